// POST /api/v1/integrations/{id}/test – run the provider's connection test now
import { getVisibleConnection } from "@/db/queries/integrations";
import { apiActor } from "@/lib/api/principal";
import { apiHandler, json } from "@/lib/api/route";
import { testConnection } from "@/lib/connections/service";
import { AppError } from "@/lib/errors";

export const dynamic = "force-dynamic";

export const POST = apiHandler<{ id: string }>("integrations:write", async ({ principal, params, ip }) => {
  const row = params.id.length <= 100 ? await getVisibleConnection(principal.orgId, params.id) : undefined;
  if (!row) throw new AppError("not_found", `No connection ${params.id} in this organization.`);
  const { org, actor } = await apiActor(principal);
  const r = await testConnection({ org, actor, id: row.id, ip });
  return json({ data: { ok: r.ok, message: r.message, ms: r.ms } });
});
