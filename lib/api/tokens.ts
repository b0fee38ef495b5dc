import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { getDb } from "@/db/client";
import { getApiTokenByHash, insertApiToken, revokeApiToken, touchApiToken } from "@/db/queries/api-tokens";
import type { ApiScope } from "@/db/schema";
import { recordAudit, type AuditActor } from "@/lib/audit";
import { AppError } from "@/lib/errors";

export const TOKEN_PREFIX = "pb_";

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export async function createApiToken(input: { orgId: string; actor: AuditActor; name: string; scopes: ApiScope[]; expiresInDays: number | null; ip: string | null }) {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null;
  const row = await getDb().transaction(async (tx) => {
    const r = await insertApiToken({ orgId: input.orgId, name: input.name, tokenHash: hashApiToken(token), prefix: token.slice(0, 10), scopes: input.scopes, createdBy: input.actor.id, expiresAt }, tx);
    await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "api_token.created", target: { type: "api_token", id: r.id }, metadata: { name: input.name, scopes: input.scopes, expiresAt: expiresAt?.toISOString() ?? null }, ip: input.ip });
    return r;
  });
  // The token itself is returned once, to be shown once; only its hash is stored.
  return { id: row.id, token };
}

export async function revokeToken(input: { orgId: string; actor: AuditActor; id: string; ip: string | null }) {
  await getDb().transaction(async (tx) => {
    const r = await revokeApiToken(input.orgId, input.id, tx);
    if (!r) throw new AppError("not_found", "That token does not exist or is already revoked.");
    await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "api_token.revoked", target: { type: "api_token", id: r.id }, metadata: { name: r.name }, ip: input.ip });
  });
}

export type ApiPrincipal = { tokenId: string; orgId: string; name: string; scopes: ApiScope[]; createdBy: string | null };

/** Authenticate `Authorization: Bearer pb_…`. Every failure is the same 401, so tokens cannot be probed. */
export async function authenticateBearer(header: string | null): Promise<ApiPrincipal> {
  const unauthorized = new AppError("unauthorized", "Send a valid organization API token as `Authorization: Bearer pb_…`. Create one in Settings → API tokens.");
  const m = header?.match(/^Bearer\s+(\S+)$/i);
  if (!m || !m[1]!.startsWith(TOKEN_PREFIX) || m[1]!.length > 200) throw unauthorized;
  const row = await getApiTokenByHash(hashApiToken(m[1]!));
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= new Date())) throw unauthorized;
  await touchApiToken(row.id);
  return { tokenId: row.id, orgId: row.orgId, name: row.name, scopes: row.scopes, createdBy: row.createdBy };
}
