// GET /api/v1/settings/{providerKey} – typed, decrypted settings for the token's organization (tenant first, then platform-wide)
import { apiHandler, json } from "@/lib/api/route";
import { resolveSettings } from "@/lib/settings";

export const dynamic = "force-dynamic";

export const GET = apiHandler<{ providerKey: string }>("settings:read", async ({ principal, params }) => {
  const r = await resolveSettings(params.providerKey, { orgId: principal.orgId });
  // This scope exists to hand secrets to the platform's own backend; never to a browser.
  return json({ data: { settings: r.settings, connection: r.connection, sources: r.sources } }, 200);
});
