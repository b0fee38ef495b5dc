"use server";
import { revalidatePath } from "next/cache";
import { getDb } from "@/db/client";
import { setCheckInterval } from "@/db/queries/health-dashboard";
import { getVisibleConnection } from "@/db/queries/integrations";
import { recordAudit } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { runHealthCheck } from "@/lib/health/check";
import { orgAction } from "@/lib/safe-action";
import { checkNowSchema, setCheckIntervalSchema } from "@/lib/schemas/health";

function revalidateHealth(connectionId: string) {
  revalidatePath("/health");
  revalidatePath(`/health/${connectionId}`);
  revalidatePath(`/connections/${connectionId}`);
}

/** "Check now": the same check the scheduler runs, recorded as a manual one. Same permission as "Test connection". */
export const checkConnectionNowAction = orgAction
  .metadata({ name: "checkConnectionNow", permission: "connections.manage" })
  .inputSchema(checkNowSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const row = await getVisibleConnection(ctx.org.id, p.connectionId);
    if (!row) throw new AppError("not_found", "That connection does not exist.");
    if (!row.enabled) throw new AppError("conflict", `${row.name} is disabled, so it is not checked. Enable it on its connection page first.`);
    const outcome = await runHealthCheck({ connectionId: row.id, trigger: "manual" });
    if (!outcome) throw new AppError("conflict", `${row.name} was disabled or deleted while it was being checked.`);
    await getDb().transaction((tx) =>
      recordAudit(tx, {
        orgId: ctx.org.id,
        actor: ctx.user,
        action: "connection.checked",
        target: { type: "connection", id: row.id },
        metadata: { provider: row.providerKey, ok: outcome.ok, ms: outcome.ms, status: outcome.status },
        ip: ctx.ip,
      }),
    );
    revalidateHealth(row.id);
    return { ok: outcome.ok, ms: outcome.ms, message: outcome.message, status: outcome.status, name: row.name };
  });

/** How often the scheduler checks a connection (60 s … 24 h). Platform-wide connections are the platform admins'. */
export const setCheckIntervalAction = orgAction
  .metadata({ name: "setCheckInterval", permission: "connections.manage" })
  .inputSchema(setCheckIntervalSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const row = await getVisibleConnection(ctx.org.id, p.connectionId);
    if (!row) throw new AppError("not_found", "That connection does not exist.");
    if (row.orgId === null && !ctx.user.isPlatformAdmin) throw new AppError("forbidden", "This connection is platform-wide. Only a platform admin can change how often it is checked.");
    const result = await getDb().transaction(async (tx) => {
      const r = await setCheckInterval(ctx.org.id, row.id, p.intervalSeconds, tx);
      if (!r) throw new AppError("not_found", "That connection does not exist.");
      await recordAudit(tx, {
        orgId: ctx.org.id,
        actor: ctx.user,
        action: "connection.check_interval_changed",
        target: { type: "connection", id: row.id },
        metadata: { provider: row.providerKey, from: r.previous, to: p.intervalSeconds },
        ip: ctx.ip,
      });
      return r;
    });
    revalidateHealth(row.id);
    return { intervalSeconds: p.intervalSeconds, nextCheckAt: result.nextCheckAt.toISOString() };
  });
