// GET/PATCH/DELETE /api/v1/integrations/{id} – read, change (name, values, enabled, default) or delete one connection
import { getVisibleConnection } from "@/db/queries/integrations";
import { apiActor } from "@/lib/api/principal";
import { apiHandler, json, readJson } from "@/lib/api/route";
import { connectionJson } from "@/lib/connections/api-view";
import { deleteConnection, makeDefaultConnection, setConnectionEnabled, updateConnection } from "@/lib/connections/service";
import { AppError } from "@/lib/errors";
import { apiUpdateConnectionSchema } from "@/lib/schemas/api";

export const dynamic = "force-dynamic";
type Params = { id: string };

async function find(orgId: string, id: string) {
  const row = id.length <= 100 ? await getVisibleConnection(orgId, id) : undefined;
  if (!row) throw new AppError("not_found", `No connection ${id} in this organization.`);
  return row;
}

export const GET = apiHandler<Params>("integrations:read", async ({ principal, params }) => {
  return json({ data: await connectionJson(await find(principal.orgId, params.id)) });
});

export const PATCH = apiHandler<Params>("integrations:write", async ({ principal, params, req, ip }) => {
  const row = await find(principal.orgId, params.id);
  const body = await readJson(req, apiUpdateConnectionSchema);
  const { org, actor } = await apiActor(principal);
  let test = null;
  if (body.name !== undefined || body.values !== undefined) {
    const r = await updateConnection({ org, actor, id: row.id, name: body.name ?? row.name, values: { ...row.config, ...(body.values ?? {}) } as Record<string, unknown>, testBeforeSave: body.testBeforeSave, ip });
    test = r.test ?? null;
  }
  if (body.enabled !== undefined) await setConnectionEnabled({ org, actor, id: row.id, enabled: body.enabled, ip });
  if (body.isDefault) await makeDefaultConnection({ org, actor, id: row.id, ip });
  return json({ data: await connectionJson(await find(principal.orgId, row.id)), test });
});

export const DELETE = apiHandler<Params>("integrations:write", async ({ principal, params, ip }) => {
  const row = await find(principal.orgId, params.id);
  const { org, actor } = await apiActor(principal);
  await deleteConnection({ org, actor, id: row.id, ip });
  return new Response(null, { status: 204 });
});
