import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { testDbKinds, useTestDb } from "@/db/testing";
import { completeSetup } from "@/lib/organizations/setup";
import { createOrganizationFor } from "@/lib/organizations/members";
import { createApiToken, revokeToken } from "@/lib/api/tokens";
import * as collection from "@/app/api/v1/integrations/route";
import * as item from "@/app/api/v1/integrations/[id]/route";
import * as settingsRoute from "@/app/api/v1/settings/[providerKey]/route";

const base = "http://localhost/api/v1";
const call = (handler: (req: Request, ctx: { params: Promise<never> }) => Promise<Response>, req: Request, params: Record<string, string> = {}) =>
  handler(req, { params: Promise.resolve(params as never) });
const auth = (token: string, init: RequestInit = {}) => ({ ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(init.headers ?? {}) } });

describe.each(testDbKinds())("REST API on %s", (kind) => {
  let handle: DbHandle;
  let tokenA = "";
  let tokenB = "";
  let readOnly = "";
  let connectionId = "";

  beforeAll(async () => {
    handle = await useTestDb(kind);
    const { user, org } = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    const other = await createOrganizationFor(user, "Globex", null);
    const actor = { id: user.id, email: user.email };
    tokenA = (await createApiToken({ orgId: org.id, actor, name: "backend", scopes: ["integrations:read", "integrations:write", "settings:read"], expiresInDays: 30, ip: null })).token;
    tokenB = (await createApiToken({ orgId: other.id, actor, name: "other", scopes: ["integrations:read", "integrations:write"], expiresInDays: null, ip: null })).token;
    readOnly = (await createApiToken({ orgId: org.id, actor, name: "ro", scopes: ["integrations:read"], expiresInDays: null, ip: null })).token;
  });
  afterAll(async () => {
    await handle.close();
  });

  it("refuses missing, malformed and unknown tokens with the same 401 JSON error", async () => {
    for (const header of [undefined, "Basic abc", "Bearer nope", "Bearer pb_unknown"]) {
      const res = await call(collection.GET, new Request(`${base}/integrations`, header ? { headers: { authorization: header } } : {}));
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "unauthorized", message: expect.stringContaining("Settings → API tokens") } });
    }
  });

  it("creates, reads, updates and tests a connection; secrets never appear in responses", async () => {
    const created = await call(
      collection.POST,
      new Request(`${base}/integrations`, auth(tokenA, { method: "POST", body: JSON.stringify({ providerKey: "smtp", name: "Mail", values: { host: "smtp.example.com", fromAddress: "a@example.com", username: "u", password: "s3cret-value-123456" } }) })),
    );
    expect(created.status).toBe(201);
    const body = (await created.json()) as { data: { id: string; credentials: Record<string, unknown>; config: Record<string, unknown> } };
    connectionId = body.data.id;
    expect(body.data.credentials).toEqual({ password: { set: true, updatedAt: expect.any(String) } });
    expect(JSON.stringify(body)).not.toContain("s3cret-value-123456");

    const list = await call(collection.GET, new Request(`${base}/integrations`, auth(tokenA)));
    expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(1);

    const patched = await call(item.PATCH, new Request(`${base}/integrations/${connectionId}`, auth(tokenA, { method: "PATCH", body: JSON.stringify({ enabled: false }) })), { id: connectionId });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { data: { enabled: boolean; status: string } }).data).toMatchObject({ enabled: false, status: "inactive" });

    const settings = await call(settingsRoute.GET, new Request(`${base}/settings/smtp`, auth(tokenA)), { providerKey: "smtp" });
    expect(settings.status).toBe(409);
    expect(await settings.json()).toMatchObject({ error: { code: "conflict", message: expect.stringContaining("is disabled") } });
    await call(item.PATCH, new Request(`${base}/integrations/${connectionId}`, auth(tokenA, { method: "PATCH", body: JSON.stringify({ enabled: true }) })), { id: connectionId });
    const ok = await call(settingsRoute.GET, new Request(`${base}/settings/smtp`, auth(tokenA)), { providerKey: "smtp" });
    expect(((await ok.json()) as { data: { settings: Record<string, unknown> } }).data.settings).toMatchObject({ host: "smtp.example.com", port: 587, password: "s3cret-value-123456" });
  });

  it("answers another organization's connection with 404, and checks scopes", async () => {
    const res = await call(item.GET, new Request(`${base}/integrations/${connectionId}`, auth(tokenB)), { id: connectionId });
    expect(res.status).toBe(404);
    const del = await call(item.DELETE, new Request(`${base}/integrations/${connectionId}`, auth(tokenB, { method: "DELETE" })), { id: connectionId });
    expect(del.status).toBe(404);
    const forbidden = await call(collection.POST, new Request(`${base}/integrations`, auth(readOnly, { method: "POST", body: "{}" })));
    expect(forbidden.status).toBe(403);
    const noSettings = await call(settingsRoute.GET, new Request(`${base}/settings/smtp`, auth(tokenB)), { providerKey: "smtp" });
    expect(noSettings.status).toBe(403);
  });

  it("turns bad input into 4xx JSON, never 500", async () => {
    const bad = await call(collection.POST, new Request(`${base}/integrations`, auth(tokenA, { method: "POST", body: "{not json" })));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "bad_request", message: "The body is not valid JSON." } });
    const invalid = await call(collection.POST, new Request(`${base}/integrations`, auth(tokenA, { method: "POST", body: JSON.stringify({ providerKey: "smtp", name: "x", values: { host: "", fromAddress: "nope" } }) })));
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { code: "bad_request", fieldErrors: { host: expect.any(Array), fromAddress: expect.any(Array) } } });
    const unknown = await call(collection.POST, new Request(`${base}/integrations`, auth(tokenA, { method: "POST", body: JSON.stringify({ providerKey: "nope", name: "x" }) })));
    expect(unknown.status).toBe(404);
    const big = await call(collection.POST, new Request(`${base}/integrations`, auth(tokenA, { method: "POST", body: JSON.stringify({ providerKey: "smtp", name: "x", values: { host: "a".repeat(1_100_000) } }) })));
    expect(big.status).toBe(413);
  });

  it("revoked tokens stop working at once", async () => {
    const { user } = { user: { id: null, email: "x" } };
    const res0 = await call(collection.GET, new Request(`${base}/integrations`, auth(readOnly)));
    expect(res0.status).toBe(200);
    const list = await call(collection.GET, new Request(`${base}/integrations`, auth(tokenA)));
    expect(list.status).toBe(200);
    // revoke the read-only token through the service, as the UI does
    const { getApiTokenByHash } = await import("@/db/queries/api-tokens");
    const { hashApiToken } = await import("@/lib/api/tokens");
    const row = (await getApiTokenByHash(hashApiToken(readOnly)))!;
    await revokeToken({ orgId: row.orgId, actor: user, id: row.id, ip: null });
    const res = await call(collection.GET, new Request(`${base}/integrations`, auth(readOnly)));
    expect(res.status).toBe(401);
  });
});
