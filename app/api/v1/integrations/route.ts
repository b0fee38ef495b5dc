// GET /api/v1/integrations – list the organization's connections (and platform-wide ones); POST – create one
import { listVisibleConnections, getVisibleConnection } from "@/db/queries/integrations";
import { apiActor } from "@/lib/api/principal";
import { apiHandler, json, readJson } from "@/lib/api/route";
import { connectionJson } from "@/lib/connections/api-view";
import { createConnection } from "@/lib/connections/service";
import { apiCreateConnectionSchema } from "@/lib/schemas/api";

export const dynamic = "force-dynamic";

export const GET = apiHandler("integrations:read", async ({ principal, req }) => {
  const provider = new URL(req.url).searchParams.get("provider") ?? undefined;
  const rows = await listVisibleConnections(principal.orgId, { providerKey: provider });
  return json({ data: await Promise.all(rows.map(connectionJson)) });
});

export const POST = apiHandler("integrations:write", async ({ principal, req, ip }) => {
  const body = await readJson(req, apiCreateConnectionSchema);
  const { org, actor } = await apiActor(principal);
  const created = await createConnection({ org, actor, providerKey: body.providerKey, platformWide: false, name: body.name, values: body.values, testBeforeSave: body.testBeforeSave, ip });
  const row = await getVisibleConnection(principal.orgId, created.id);
  return json({ data: await connectionJson(row!), test: created.test ?? null }, 201);
});
