// POST /api/v1/integrations/{id}/sync – queue a run of one of the connection's enabled streams ({ entity, mode })
import { getSyncStreamByEntity } from "@/db/queries/sync";
import { apiHandler, json, readJson } from "@/lib/api/route";
import { AppError } from "@/lib/errors";
import { apiStartSyncSchema } from "@/lib/schemas/sync";
import { requestSyncRun } from "@/lib/sync/service";

export const dynamic = "force-dynamic";

export const POST = apiHandler<{ id: string }>("integrations:write", async ({ req, principal, params }) => {
  const body = await readJson(req, apiStartSyncSchema);
  const stream = params.id.length <= 100 ? await getSyncStreamByEntity(principal.orgId, params.id, body.entity) : undefined;
  if (!stream) throw new AppError("not_found", `Connection ${params.id} has no "${body.entity}" stream in this organization. Turn it on in the connection's Sync tab.`);
  const { run, existing } = await requestSyncRun({ orgId: principal.orgId, streamId: stream.id, mode: body.mode, trigger: "api", requestedBy: null });
  return json({ data: { runId: run.id, status: run.status, mode: run.mode, existing } }, existing ? 200 : 202);
});
