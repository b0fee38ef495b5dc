import "server-only";
import type { Executor } from "@/db/client";
import { insertAudit } from "@/db/queries/audit";

export type AuditActor = { id: string | null; email: string | null };

export type AuditEvent = {
  orgId: string | null;
  actor: AuditActor;
  action: string;
  target?: { type: string; id: string };
  metadata?: Record<string, unknown>;
  ip?: string | null;
};

/**
 * Write an audit row. Pass the transaction that makes the change, so that the change and its
 * audit row commit or roll back together. Metadata must never contain secrets.
 */
export async function recordAudit(tx: Executor, event: AuditEvent): Promise<void> {
  await insertAudit(
    {
      orgId: event.orgId,
      actorId: event.actor.id,
      actorEmail: event.actor.email,
      action: event.action,
      targetType: event.target?.type ?? null,
      targetId: event.target?.id ?? null,
      metadata: event.metadata ?? {},
      ip: event.ip ?? null,
    },
    tx,
  );
}
