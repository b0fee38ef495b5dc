import "server-only";
import { applyConnectionRate } from "@/lib/connections/rate";
import { getDb } from "@/db/client";
import {
  clearDefault,
  deleteConnectionRow,
  deleteSecret,
  getVisibleConnection,
  hasDefault,
  insertConnection,
  listSecretRows,
  lockVisibleConnection,
  oldestConnection,
  updateConnectionRow,
  upsertSecret,
  type ConnectionRow,
} from "@/db/queries/integrations";
import { recordAudit } from "@/lib/audit";
import type { ProviderDefinition, TestResult } from "@/lib/catalog/define-provider";
import { getProvider } from "@/lib/catalog/registry";
import { AppError } from "@/lib/errors";
import { openSecret, sealSecret } from "@/lib/lockbox";
import { logger } from "@/lib/logger";
import { invalidateLocally, notifySettingsChanged, type SettingsChange } from "@/lib/settings/invalidation";
import type { Tx } from "@/db/client";
import { loadConnectionSettings } from "@/lib/settings";
import { parseConnectionValues } from "./values";
import { getAccessToken, revokeTokensBestEffort } from "@/lib/connect/oauth";
import { allowlistEntriesFor } from "@/db/queries/network";
import { resetBreaker } from "@/lib/http/breaker";
import { runAsProbe } from "@/lib/http/probe";

export type Actor = { id: string | null; email: string; isPlatformAdmin: boolean };
export type OrgRef = { id: string; name: string };

/**
 * Run a change in one transaction. `announce` queues a NOTIFY (delivered to every process on
 * commit, never on rollback) and, once committed, this process drops its own cache at once.
 */
async function changeTx<T>(fn: (tx: Tx, announce: (c: SettingsChange) => Promise<void>) => Promise<T>): Promise<T> {
  const changes: SettingsChange[] = [];
  const result = await getDb().transaction((tx) =>
    fn(tx, async (c) => {
      changes.push(c);
      await notifySettingsChanged(tx, c);
    }),
  );
  for (const c of changes) invalidateLocally(c);
  return result;
}

function requireProvider(key: string): ProviderDefinition {
  const p = getProvider(key);
  if (!p) throw new AppError("not_found", `There is no provider "${key}".`);
  return p;
}

/** Platform-wide connections belong to platform admins; organization ones to the org's admins. */
function assertCanChange(row: ConnectionRow, actor: Actor) {
  if (row.orgId === null && !actor.isPlatformAdmin) {
    throw new AppError("forbidden", "This connection is platform-wide. Only a platform admin can change it.");
  }
}

async function mustFind(orgId: string, id: string) {
  const row = await getVisibleConnection(orgId, id);
  if (!row) throw new AppError("not_found", "That connection does not exist.");
  return row;
}

async function runTest(provider: ProviderDefinition, settings: Record<string, unknown>, ctx: { connectionId: string | null; orgId: string | null }): Promise<TestResult & { ms: number }> {
  const started = performance.now();
  if (!provider.test) return { ok: true, message: "This provider has no connection test.", ms: 0 };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 30_000);
  try {
    const connectionId = ctx.connectionId;
    const getToken = provider.oauth && connectionId ? () => getAccessToken({ orgId: ctx.orgId ?? "", connectionId }) : undefined;
    const allowPrivate = await allowlistEntriesFor(ctx.orgId);
    if (connectionId) await applyConnectionRate(ctx.orgId, connectionId);
    const r = await provider.test(settings as never, { ...ctx, signal: controller.signal, allowPrivate, getAccessToken: getToken });
    return { ...r, ms: Math.round(performance.now() - started) };
  } catch (error) {
    logger.warn({ provider: provider.key, err: (error as Error).message }, "connection test threw");
    return { ok: false, message: `The test could not run: ${(error as Error).message}`, ms: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Run the provider's test against a stored connection (health checks; no audit row). Never throws:
 * a connection whose settings cannot be loaded is a failed check with that reason.
 */
export async function probeConnection(row: ConnectionRow): Promise<TestResult & { ms: number }> {
  const provider = getProvider(row.providerKey);
  if (!provider) return { ok: false, message: `The provider "${row.providerKey}" is not installed.`, ms: 0 };
  let settings: Record<string, unknown>;
  try {
    settings = (await loadConnectionSettings(row.id, row.orgId ?? "")).settings;
  } catch (error) {
    return { ok: false, message: `The settings could not be loaded: ${(error as Error).message}`, ms: 0 };
  }
  return runTest(provider, settings, { connectionId: row.id, orgId: row.orgId });
}

/** The would-be settings of a form submission, for "test before save". */
async function candidateSettings(provider: ProviderDefinition, config: Record<string, unknown>, secrets: Record<string, string>, existing?: { row: ConnectionRow; clear: string[] }) {
  const merged: Record<string, unknown> = {};
  if (existing) {
    for (const s of await listSecretRows(existing.row.id)) {
      if (!existing.clear.includes(s.field)) merged[s.field] = await openSecret({ orgId: existing.row.orgId, integrationId: existing.row.id, field: s.field, ciphertext: s.ciphertext });
    }
  }
  Object.assign(merged, secrets);
  return { ...provider.configSchema.parse(config), ...provider.credentialsSchema.parse(merged) };
}

function refuseWithTest(result: TestResult) {
  const field = result.ok ? undefined : result.field;
  throw new AppError("bad_request", `Not saved: ${result.message}`, { fieldErrors: field ? { [field]: [result.message] } : undefined });
}

export async function createConnection(input: {
  org: OrgRef;
  actor: Actor;
  providerKey: string;
  platformWide: boolean;
  name: string;
  values: Record<string, unknown>;
  testBeforeSave: boolean;
  ip: string | null;
}): Promise<{ id: string; test?: TestResult & { ms: number } }> {
  const provider = requireProvider(input.providerKey);
  if (input.platformWide && !input.actor.isPlatformAdmin) throw new AppError("forbidden", "Only platform admins can create platform-wide connections.");
  const parsed = parseConnectionValues(provider, input.values);
  if (Object.keys(parsed.fieldErrors).length) throw new AppError("bad_request", "Some fields need attention.", { fieldErrors: parsed.fieldErrors });
  const ownerOrgId = input.platformWide ? null : input.org.id;
  const needsAuthorization = provider.oauth?.grant === "authorization_code";
  let test: (TestResult & { ms: number }) | undefined;
  if (input.testBeforeSave && !needsAuthorization) {
    test = await runTest(provider, await candidateSettings(provider, parsed.config, parsed.secrets), { connectionId: null, orgId: ownerOrgId });
    if (!test.ok) refuseWithTest(test);
  }
  const id = await changeTx(async (tx, announce) => {
    const isDefault = !(await hasDefault(ownerOrgId, provider.key, tx));
    const row = await insertConnection(
      {
        orgId: ownerOrgId,
        providerKey: provider.key,
        name: input.name,
        status: needsAuthorization ? "pending" : "active",
        isDefault,
        config: parsed.config,
        createdBy: input.actor.id,
        healthStatus: test ? "healthy" : "unknown",
        lastCheckedAt: test ? new Date() : null,
      },
      tx,
    );
    for (const [field, value] of Object.entries(parsed.secrets)) {
      const sealed = await sealSecret(tx, { orgId: ownerOrgId, integrationId: row.id, field }, value);
      await upsertSecret({ integrationId: row.id, field, scope: sealed.scope, ciphertext: sealed.ciphertext, dekVersion: sealed.dekVersion, updatedBy: input.actor.id }, tx);
    }
    await recordAudit(tx, {
      orgId: input.org.id,
      actor: input.actor,
      action: "connection.created",
      target: { type: "connection", id: row.id },
      metadata: { provider: provider.key, name: input.name, scope: ownerOrgId ? "organization" : "platform", default: isDefault, fields: Object.keys(parsed.config), secrets: Object.keys(parsed.secrets) },
      ip: input.ip,
    });
    await announce({ providerKey: provider.key, orgId: ownerOrgId, connectionId: row.id });
    return row.id;
  });
  return { id, test };
}

export async function updateConnection(input: { org: OrgRef; actor: Actor; id: string; name: string; values: Record<string, unknown>; testBeforeSave: boolean; ip: string | null }) {
  const current = await mustFind(input.org.id, input.id);
  assertCanChange(current, input.actor);
  const provider = requireProvider(current.providerKey);
  const existing = new Set((await listSecretRows(current.id)).map((s) => s.field));
  const parsed = parseConnectionValues(provider, input.values, existing);
  if (Object.keys(parsed.fieldErrors).length) throw new AppError("bad_request", "Some fields need attention.", { fieldErrors: parsed.fieldErrors });
  let test: (TestResult & { ms: number }) | undefined;
  const authorized = provider.oauth?.grant !== "authorization_code" || current.status === "active";
  if (input.testBeforeSave && authorized) {
    test = await runTest(provider, await candidateSettings(provider, parsed.config, parsed.secrets, { row: current, clear: parsed.clear }), { connectionId: current.id, orgId: current.orgId });
    if (!test.ok) refuseWithTest(test);
  }
  await changeTx(async (tx, announce) => {
    const row = await lockVisibleConnection(input.org.id, input.id, tx);
    if (!row) throw new AppError("not_found", "That connection was deleted meanwhile.");
    // Keys that are not form fields (token metadata, GitHub installation ids kept by lib/connect) survive an edit.
    const fieldNames = new Set(Object.keys(provider.configSchema.shape));
    const kept = Object.fromEntries(Object.entries(row.config).filter(([k]) => !fieldNames.has(k)));
    const previous = Object.fromEntries(Object.entries(row.config).filter(([k]) => fieldNames.has(k)));
    const changed = Object.keys({ ...previous, ...parsed.config }).filter((k) => JSON.stringify(previous[k]) !== JSON.stringify(parsed.config[k]));
    await updateConnectionRow(
      row.id,
      {
        name: input.name,
        config: { ...kept, ...parsed.config },
        status: provider.oauth?.grant === "authorization_code" ? row.status : row.status === "pending" || row.status === "configuring" || row.status === "error" ? "active" : row.status,
        ...(test ? { healthStatus: "healthy", lastCheckedAt: new Date(), lastError: null } : {}),
      },
      tx,
    );
    for (const [field, value] of Object.entries(parsed.secrets)) {
      const sealed = await sealSecret(tx, { orgId: row.orgId, integrationId: row.id, field }, value);
      await upsertSecret({ integrationId: row.id, field, scope: sealed.scope, ciphertext: sealed.ciphertext, dekVersion: sealed.dekVersion, updatedBy: input.actor.id }, tx);
    }
    for (const field of parsed.clear) await deleteSecret(row.id, field, tx);
    await recordAudit(tx, {
      orgId: input.org.id,
      actor: input.actor,
      action: "connection.updated",
      target: { type: "connection", id: row.id },
      metadata: { provider: row.providerKey, renamed: row.name !== input.name ? { from: row.name, to: input.name } : undefined, changed, secretsRotated: Object.keys(parsed.secrets), secretsCleared: parsed.clear },
      ip: input.ip,
    });
    await announce({ providerKey: row.providerKey, orgId: row.orgId, connectionId: row.id });
  });
  return { id: input.id, test };
}

export async function setConnectionEnabled(input: { org: OrgRef; actor: Actor; id: string; enabled: boolean; ip: string | null }) {
  await changeTx(async (tx, announce) => {
    const row = await lockVisibleConnection(input.org.id, input.id, tx);
    if (!row) throw new AppError("not_found", "That connection does not exist.");
    assertCanChange(row, input.actor);
    if (row.enabled === input.enabled) return;
    await updateConnectionRow(row.id, { enabled: input.enabled, status: input.enabled ? (row.status === "inactive" ? "active" : row.status) : "inactive" }, tx);
    await recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: input.enabled ? "connection.enabled" : "connection.disabled", target: { type: "connection", id: row.id }, metadata: { provider: row.providerKey, name: row.name }, ip: input.ip });
    await announce({ providerKey: row.providerKey, orgId: row.orgId, connectionId: row.id });
  });
}

export async function makeDefaultConnection(input: { org: OrgRef; actor: Actor; id: string; ip: string | null }) {
  await changeTx(async (tx, announce) => {
    const row = await lockVisibleConnection(input.org.id, input.id, tx);
    if (!row) throw new AppError("not_found", "That connection does not exist.");
    assertCanChange(row, input.actor);
    if (row.isDefault) return;
    await clearDefault(row.orgId, row.providerKey, tx);
    await updateConnectionRow(row.id, { isDefault: true }, tx);
    await recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: "connection.default_set", target: { type: "connection", id: row.id }, metadata: { provider: row.providerKey, name: row.name }, ip: input.ip });
    await announce({ providerKey: row.providerKey, orgId: row.orgId, connectionId: row.id });
  });
}

export async function setConnectionPriority(input: { org: OrgRef; actor: Actor; id: string; priority: number; ip: string | null }) {
  await changeTx(async (tx, announce) => {
    const row = await lockVisibleConnection(input.org.id, input.id, tx);
    if (!row) throw new AppError("not_found", "That connection does not exist.");
    assertCanChange(row, input.actor);
    await updateConnectionRow(row.id, { priority: input.priority }, tx);
    await recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: "connection.priority_set", target: { type: "connection", id: row.id }, metadata: { provider: row.providerKey, from: row.priority, to: input.priority }, ip: input.ip });
    await announce({ providerKey: row.providerKey, orgId: row.orgId, connectionId: row.id });
  });
}

export async function deleteConnection(input: { org: OrgRef; actor: Actor; id: string; ip: string | null }) {
  const existing = await mustFind(input.org.id, input.id);
  assertCanChange(existing, input.actor);
  // Revoke at the provider first (RFC 7009); local credentials are deleted even if that fails.
  const revocation = await revokeTokensBestEffort(existing);
  await changeTx(async (tx, announce) => {
    const row = await lockVisibleConnection(input.org.id, input.id, tx);
    if (!row) throw new AppError("not_found", "That connection does not exist.");
    assertCanChange(row, input.actor);
    await deleteConnectionRow(row.id, tx);
    if (row.isDefault) {
      const next = await oldestConnection(row.orgId, row.providerKey, tx);
      if (next) await updateConnectionRow(next.id, { isDefault: true }, tx);
    }
    await recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: "connection.deleted", target: { type: "connection", id: row.id }, metadata: { provider: row.providerKey, name: row.name, scope: row.orgId ? "organization" : "platform", tokensRevoked: revocation.revoked, revocationFailures: revocation.failed }, ip: input.ip });
    await announce({ providerKey: row.providerKey, orgId: row.orgId, connectionId: row.id });
  });
}

/** Admin-only, confirmed in the UI, and audited: the one way a secret leaves the server. */
export async function revealSecret(input: { org: OrgRef; actor: Actor; id: string; field: string; ip: string | null }): Promise<string> {
  const row = await mustFind(input.org.id, input.id);
  assertCanChange(row, input.actor);
  const secret = (await listSecretRows(row.id)).find((s) => s.field === input.field);
  if (!secret) throw new AppError("not_found", "That field has no stored value.");
  const value = await openSecret({ orgId: row.orgId, integrationId: row.id, field: secret.field, ciphertext: secret.ciphertext });
  await getDb().transaction((tx) =>
    recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: "connection.secret_revealed", target: { type: "connection", id: row.id }, metadata: { provider: row.providerKey, field: input.field }, ip: input.ip }),
  );
  return value;
}

export async function testConnection(input: { org: OrgRef; actor: Actor | null; id: string; ip: string | null }): Promise<TestResult & { ms: number }> {
  const row = await mustFind(input.org.id, input.id);
  const provider = requireProvider(row.providerKey);
  const resolved = await loadConnectionSettings(row.id, input.org.id);
  // A manual test is a health check like the scheduled ones: it probes even when the breaker is
  // open (a pass resets it), and its result goes through the same status rules, history and alerts.
  const result = await runAsProbe(row.id, () => runTest(provider, resolved.settings, { connectionId: row.id, orgId: row.orgId }));
  if (result.ok) resetBreaker(row.id);
  const { recordCheck } = await import("@/lib/health/check");
  await recordCheck({ row, result, trigger: "manual" });
  await getDb().transaction((tx) =>
    recordAudit(tx, { orgId: input.org.id, actor: input.actor ?? { id: null, email: null }, action: "connection.tested", target: { type: "connection", id: row.id }, metadata: { provider: row.providerKey, ok: result.ok, ms: result.ms }, ip: input.ip }),
  );
  return result;
}
