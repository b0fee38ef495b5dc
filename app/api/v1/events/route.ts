// POST /api/v1/events – emit an event to the organization's outbound webhook endpoints (emitEvent over HTTP)
import { apiHandler, json, readJson } from "@/lib/api/route";
import { emitEvent } from "@/lib/runtime/events";
import { apiEmitEventSchema } from "@/lib/schemas/api";

export const dynamic = "force-dynamic";

export const POST = apiHandler("events:write", async ({ principal, req }) => {
  const body = await readJson(req, apiEmitEventSchema);
  const r = await emitEvent(principal.orgId, body.type, body.data);
  return json({ data: { messageId: r.messageId, deliveries: r.deliveries } }, 202);
});
