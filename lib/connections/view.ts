import "server-only";
import { getVisibleConnection, listSecretRows } from "@/db/queries/integrations";
import type { Role } from "@/db/schema";
import { describeFields, type FieldDescriptor } from "@/lib/catalog/fields";
import { getProvider } from "@/lib/catalog/registry";
import { can } from "@/lib/auth/roles";
import { openSecret } from "@/lib/lockbox";
import { maskSecret } from "@/lib/lockbox/mask";

export type FieldView = FieldDescriptor & {
  /** Non-secret values only. */
  value?: string | number | boolean;
  /** For sealed fields: whether a value is stored, and its masked form. Never the value. */
  stored?: boolean;
  masked?: string;
  source: "organization" | "platform" | "default" | "unset";
};

/**
 * Everything the connection page shows, with secrets already masked: this object is what crosses
 * to client components, so it must never hold a secret.
 */
export async function connectionView(orgId: string, id: string, role: Role, isPlatformAdmin: boolean) {
  const row = await getVisibleConnection(orgId, id);
  if (!row) return null;
  const provider = getProvider(row.providerKey);
  if (!provider) return null;
  const admin = can(role, "connections.manage");
  const scope = row.orgId ? "organization" : "platform";
  const secrets = new Map((await listSecretRows(row.id)).map((s) => [s.field, s]));
  const fields: FieldView[] = [];
  for (const f of describeFields(provider)) {
    if (f.group === "config") {
      const raw = row.config[f.name];
      const stored = raw !== undefined && raw !== "";
      const value = stored ? (raw as string | number | boolean) : f.defaultValue;
      fields.push({ ...f, value, source: stored ? scope : f.defaultValue !== undefined ? "default" : "unset" });
      continue;
    }
    const s = secrets.get(f.name);
    if (!s) {
      fields.push({ ...f, stored: false, source: "unset" });
      continue;
    }
    let masked = "••••••••";
    if (admin) {
      const plain = await openSecret({ orgId: row.orgId, integrationId: row.id, field: f.name, ciphertext: s.ciphertext });
      masked = f.secret ? maskSecret(plain, { revealTail: true }) : plain;
    }
    fields.push({ ...f, stored: true, masked, source: scope });
  }
  return {
    connection: {
      id: row.id,
      name: row.name,
      providerKey: row.providerKey,
      scope,
      status: row.status,
      enabled: row.enabled,
      isDefault: row.isDefault,
      priority: row.priority,
      healthStatus: row.healthStatus,
      lastCheckedAt: row.lastCheckedAt?.toISOString() ?? null,
      lastError: row.lastError,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      oauth: (row.config.oauthToken as { obtainedAt?: string; expiresAt?: string | null; scope?: string | null } | undefined) ?? null,
    },
    provider: { key: provider.key, name: provider.name, description: provider.description, docsUrl: provider.docsUrl, usesBrowserSignIn: provider.oauth?.grant === "authorization_code", canSendEmail: provider.capabilities.includes("send_email") },
    fields,
    canEdit: admin && (row.orgId !== null || isPlatformAdmin),
  };
}

export type ConnectionView = NonNullable<Awaited<ReturnType<typeof connectionView>>>;
