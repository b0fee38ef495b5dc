// GET /api/v1/integrations/{id}/sync-runs – the connection's sync runs, newest first (?page, ?perPage ≤ 100, ?status)
import { getVisibleConnection } from "@/db/queries/integrations";
import { listSyncRuns } from "@/db/queries/sync";
import { syncRunStatuses, type SyncRunStatus } from "@/db/schema/sync";
import { apiHandler, json } from "@/lib/api/route";
import { AppError } from "@/lib/errors";

export const dynamic = "force-dynamic";

export const GET = apiHandler<{ id: string }>("integrations:read", async ({ req, principal, params }) => {
  const row = params.id.length <= 100 ? await getVisibleConnection(principal.orgId, params.id) : undefined;
  if (!row || row.orgId !== principal.orgId) throw new AppError("not_found", `No connection ${params.id} in this organization.`);
  const url = new URL(req.url);
  const page = Number(url.searchParams.get("page") ?? "1");
  const perPage = Number(url.searchParams.get("perPage") ?? "20");
  const status = url.searchParams.get("status");
  if (!Number.isInteger(page) || page < 1 || page > 100_000) throw new AppError("bad_request", "page must be a whole number from 1.");
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) throw new AppError("bad_request", "perPage must be a whole number from 1 to 100.");
  if (status !== null && !(syncRunStatuses as readonly string[]).includes(status)) throw new AppError("bad_request", `status must be one of ${syncRunStatuses.join(", ")}.`);
  const { rows, total } = await listSyncRuns(principal.orgId, row.id, { page, perPage, status: (status as SyncRunStatus | null) ?? undefined });
  return json({
    data: rows.map((r) => ({
      id: r.id,
      entity: r.entity,
      mode: r.mode,
      trigger: r.trigger,
      status: r.status,
      pages: r.pages,
      recordsProcessed: r.processed,
      created: r.created,
      updated: r.updated,
      unchanged: r.unchanged,
      deleted: r.deleted,
      failed: r.failed,
      durationMs: r.durationMs,
      error: r.error,
      createdAt: r.createdAt.toISOString(),
      startedAt: r.startedAt?.toISOString() ?? null,
      finishedAt: r.finishedAt?.toISOString() ?? null,
    })),
    page,
    perPage,
    total,
  });
});
