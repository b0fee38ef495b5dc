import "server-only";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { getConnectionForHealth, insertSignal, lockHealthRow, recentChecks, rollup24h, signalsSince, updateHealthRow, type ConnectionHealthRow } from "@/db/queries/health";
import type { ConnectionRow } from "@/db/queries/integrations";
import { integrations, type HealthStatus } from "@/db/schema";
import type { TestResult } from "@/lib/catalog/define-provider";
import { getProvider } from "@/lib/catalog/registry";
import { probeConnection } from "@/lib/connections/service";
import { breakerState, resetBreaker } from "@/lib/http/breaker";
import { runAsProbe } from "@/lib/http/probe";
import { invalidateLocally, notifySettingsChanged, type SettingsChange } from "@/lib/settings/invalidation";
import { checkLatency } from "./metrics";
import { applyVerdict } from "./transition";
import { computeHealth, FAILING_AFTER } from "./status";


export type CheckTrigger = "scheduled" | "manual";
export type CheckOutcome = { recorded: boolean; ok: boolean; message: string; ms: number; status: HealthStatus; changed: boolean };

/**
 * Failure kind for the status rules: rejected credentials disconnect (the provider asked for a
 * reauthorization, or its test blamed one of the connection's credential fields, as a 401/403
 * does); anything else fails.
 */
export function signalStatus(result: TestResult, providerKey: string): string {
  if (result.ok) return "ok";
  if (result.reauth) return "auth";
  const credentials = getProvider(providerKey)?.credentialsSchema.shape as Record<string, unknown> | undefined;
  return result.field && credentials && result.field in credentials ? "auth" : "error";
}

/**
 * Record a check's result and recompute the connection's status, in one transaction under the
 * connection's health-row lock. `jobId` makes a rerun job record nothing twice.
 */
export async function recordCheck(input: { row: ConnectionRow; result: TestResult & { ms: number }; trigger: CheckTrigger; jobId?: string | null }): Promise<CheckOutcome> {
  const { row, result } = input;
  const changes: SettingsChange[] = [];
  const outcome = await getDb().transaction(async (tx) => {
    const health = await lockHealthRow(row.id, row.orgId, tx);
    const [current] = await tx.select().from(integrations).where(eq(integrations.id, row.id)).for("update");
    if (!current) return { recorded: false, changed: false, status: "unknown" as HealthStatus };
    const recorded = await insertSignal(
      { integrationId: row.id, orgId: row.orgId, kind: "check", trigger: input.trigger, ok: result.ok, status: signalStatus(result, row.providerKey), latencyMs: result.ms, message: result.message.slice(0, 1000), jobId: input.jobId },
      tx,
    );
    if (!recorded) return { recorded: false, changed: false, status: current.healthStatus as HealthStatus };
    // Keep the lifecycle status in step with what the provider just said (as "Test connection" does).
    let connectionStatus = current.status;
    if (current.enabled && (current.status === "active" || current.status === "error")) {
      connectionStatus = result.ok ? "active" : "error";
      if (connectionStatus !== current.status) changes.push({ providerKey: current.providerKey, orgId: current.orgId, connectionId: current.id });
    }
    await tx
      .update(integrations)
      .set({ status: connectionStatus, lastCheckedAt: new Date(), lastError: result.ok ? null : result.message.slice(0, 1000), errorCount: result.ok ? current.errorCount : current.errorCount + 1 })
      .where(eq(integrations.id, row.id));
    const checks = await recentChecks(row.id, FAILING_AFTER + 3, tx);
    const verdict = computeHealth({ enabled: current.enabled, connectionStatus, checks, callsSinceCheck: [], breaker: breakerState(row.id) });
    const stats = await rollup24h(row.id, tx);
    await updateHealthRow(
      row.id,
      {
        lastCheckAt: new Date(),
        lastOk: result.ok,
        lastLatencyMs: result.ms,
        lastMessage: result.message.slice(0, 1000),
        consecutiveFailures: result.ok ? 0 : health.consecutiveFailures + 1,
        latencyP50Ms: stats.p50,
        latencyP95Ms: stats.p95,
        errorRate24h: stats.errorRate,
        checks24h: stats.total,
      },
      tx,
    );
    const changed = await applyVerdict(tx, current, verdict);
    for (const c of changes) await notifySettingsChanged(tx, c);
    return { recorded: true, changed, status: verdict.status };
  });
  for (const c of changes) invalidateLocally(c);
  checkLatency.observe({ provider: row.providerKey, outcome: result.ok ? "ok" : "failed" }, result.ms / 1000);
  return { ...outcome, ok: result.ok, message: result.message, ms: result.ms };
}

/** Run one connection's check now and record it. A deleted connection is skipped. */
export async function runHealthCheck(input: { connectionId: string; trigger: CheckTrigger; jobId?: string | null }): Promise<CheckOutcome | null> {
  const row = await getConnectionForHealth(input.connectionId);
  if (!row) return null;
  if (!row.enabled) {
    await getDb().transaction(async (tx) => {
      await lockHealthRow(row.id, row.orgId, tx);
      await applyVerdict(tx, row, computeHealth({ enabled: false, connectionStatus: row.status, checks: [], callsSinceCheck: [], breaker: "closed" }));
    });
    return null;
  }
  const result = await runAsProbe(row.id, () => probeConnection(row));
  if (result.ok) resetBreaker(row.id);
  return recordCheck({ row, result, trigger: input.trigger, jobId: input.jobId });
}

/** Recompute a status from passive signals alone (after a batch of egress calls). */
export async function reassessFromSignals(connectionId: string): Promise<boolean> {
  return getDb().transaction(async (tx) => {
    const row = await getConnectionForHealth(connectionId, tx);
    if (!row) return false;
    const health: ConnectionHealthRow = await lockHealthRow(row.id, row.orgId, tx);
    const checks = await recentChecks(row.id, FAILING_AFTER + 3, tx);
    const since = checks[0]?.at ?? new Date(Date.now() - 15 * 60_000);
    const calls = await signalsSince(row.id, since, tx);
    const verdict = computeHealth({ enabled: row.enabled, connectionStatus: row.status, checks, callsSinceCheck: calls, breaker: health.breakerState });
    return applyVerdict(tx, row, verdict);
  });
}
