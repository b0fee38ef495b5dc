import "server-only";
import { listSecretRows, type ConnectionRow } from "@/db/queries/integrations";

/** A connection as the REST API shows it: non-secret config, and which credentials are stored (never their values). */
export async function connectionJson(row: ConnectionRow) {
  const secrets = await listSecretRows(row.id);
  return {
    id: row.id,
    providerKey: row.providerKey,
    name: row.name,
    scope: row.orgId ? "organization" : "platform",
    status: row.status,
    enabled: row.enabled,
    isDefault: row.isDefault,
    healthStatus: row.healthStatus,
    lastCheckedAt: row.lastCheckedAt,
    lastError: row.lastError,
    config: row.config,
    credentials: Object.fromEntries(secrets.map((s) => [s.field, { set: true, updatedAt: s.updatedAt }])),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
