import "server-only";
import { getDb } from "@/db/client";
import { deleteAllowlistEntry, insertAllowlistEntry, listAllowlist } from "@/db/queries/network";
import { recordAudit, type AuditActor } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { isValidAllowlistEntry } from "@/lib/http/ssrf";

export async function addAllowlistEntry(input: { orgId: string; platform: boolean; actor: AuditActor & { isPlatformAdmin: boolean }; entry: string; note: string | null; ip: string | null }) {
  const entry = input.entry.trim().toLowerCase();
  if (!isValidAllowlistEntry(entry)) {
    throw new AppError("bad_request", "Not a host name, IP address or CIDR range.", { fieldErrors: { entry: ["Enter a host name (jira.internal), an IP address (10.0.0.5) or a CIDR range (10.0.0.0/8, fd00::/8)."] } });
  }
  if (input.platform && !input.actor.isPlatformAdmin) throw new AppError("forbidden", "Only platform admins can change the platform-wide allowlist.");
  const owner = input.platform ? null : input.orgId;
  return getDb().transaction(async (tx) => {
    if ((await listAllowlist(owner, tx)).some((e) => e.entry === entry)) {
      throw new AppError("conflict", `${entry} is already allowed.`, { fieldErrors: { entry: [`${entry} is already allowed.`] } });
    }
    const row = await insertAllowlistEntry({ orgId: owner, entry, note: input.note, createdBy: input.actor.id }, tx);
    await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "network.allowlist_added", target: { type: "allowlist", id: row.id }, metadata: { entry, scope: owner ? "organization" : "platform" }, ip: input.ip });
    return row;
  });
}

export async function removeAllowlistEntry(input: { orgId: string; platform: boolean; actor: AuditActor & { isPlatformAdmin: boolean }; id: string; ip: string | null }) {
  if (input.platform && !input.actor.isPlatformAdmin) throw new AppError("forbidden", "Only platform admins can change the platform-wide allowlist.");
  const owner = input.platform ? null : input.orgId;
  await getDb().transaction(async (tx) => {
    const row = await deleteAllowlistEntry(owner, input.id, tx);
    if (!row) throw new AppError("not_found", "That entry does not exist.");
    await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "network.allowlist_removed", target: { type: "allowlist", id: input.id }, metadata: { entry: row.entry, scope: owner ? "organization" : "platform" }, ip: input.ip });
  });
}
