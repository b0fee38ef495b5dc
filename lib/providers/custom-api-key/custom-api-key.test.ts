import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFake, testContext } from "@/lib/providers/_shared/testing";
import { customApiKey, customApiKeyConfigSchema, customApiKeyCredentialsSchema } from ".";

const KEY = "k-123456";
let fake: Awaited<ReturnType<typeof startFake>>;

beforeAll(async () => {
  fake = await startFake((req) => {
    if (req.path === "/v1/moved") return { status: 301, headers: { location: "https://api.example.com/v1/moved" } };
    if (!req.path.startsWith("/v1/")) return { status: 404, body: { error: "no route" } };
    const key = req.headers["x-api-key"] ?? req.headers["x-custom"] ?? req.url.searchParams.get("token") ?? String(req.headers.authorization ?? "").replace(/^Bearer /, "");
    if (key !== KEY) return { status: 401, body: { message: `invalid key ${String(key)}` } };
    if (req.path === "/v1/status") return { body: { ok: true } };
    if (req.path === "/v1/created") return { status: 201, body: { id: 1 } };
    return { status: 404, body: "<h1>Not Found</h1>" };
  });
});
afterAll(() => fake.close());

const settings = (over: Record<string, unknown> = {}, apiKey = KEY) => ({
  ...customApiKeyConfigSchema.parse({ baseUrl: `${fake.url}/v1`, testPath: "/status", ...over }),
  apiKey,
});

describe("custom-api-key schema", () => {
  it("defaults and validation", () => {
    expect(customApiKeyConfigSchema.parse({ baseUrl: "https://api.example.com" })).toMatchObject({ testPath: "/", authPlacement: "header", headerName: "X-API-Key", queryParam: "api_key", expectedStatus: 200 });
    expect(customApiKeyConfigSchema.safeParse({ baseUrl: "api.example.com" }).success).toBe(false);
    expect(customApiKeyConfigSchema.safeParse({ baseUrl: "https://api.example.com?x=1" }).success).toBe(false);
    expect(customApiKeyConfigSchema.safeParse({ baseUrl: "https://api.example.com", testPath: "status" }).success).toBe(false);
    expect(customApiKeyConfigSchema.safeParse({ baseUrl: "https://api.example.com", testPath: "//evil.example/x" }).success).toBe(false);
    expect(customApiKeyConfigSchema.safeParse({ baseUrl: "https://api.example.com", headerName: "Bad Header" }).success).toBe(false);
    expect(customApiKeyConfigSchema.safeParse({ baseUrl: "https://api.example.com", headerName: "Host" }).success).toBe(false);
    expect(customApiKeyConfigSchema.safeParse({ baseUrl: "https://api.example.com", expectedStatus: 99 }).success).toBe(false);
    expect(customApiKeyConfigSchema.parse({ baseUrl: "https://api.example.com", expectedStatus: "204" }).expectedStatus).toBe(204);
    expect(customApiKeyCredentialsSchema.safeParse({ apiKey: "a\r\nX-Injected: 1" }).success).toBe(false);
  });
});

describe("custom-api-key test()", () => {
  it("sends the key in the default header", async () => {
    fake.requests.length = 0;
    const r = await customApiKey.test!(settings(), testContext({ getAccessToken: undefined }));
    expect(r).toMatchObject({ ok: true, message: `GET ${fake.url}/v1/status answered 200 OK, as expected.` });
    expect(fake.requests[0]).toMatchObject({ method: "GET", path: "/v1/status" });
    expect(fake.requests[0]!.headers["x-api-key"]).toBe(KEY);
    expect(fake.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("sends the key in a custom header, as a query parameter, or as a bearer token", async () => {
    fake.requests.length = 0;
    expect((await customApiKey.test!(settings({ headerName: "X-Custom" }), testContext())).ok).toBe(true);
    expect(fake.requests[0]!.headers["x-custom"]).toBe(KEY);
    const q = await customApiKey.test!(settings({ authPlacement: "query", queryParam: "token" }), testContext());
    expect(q.ok).toBe(true);
    expect(fake.requests[1]!.url.searchParams.get("token")).toBe(KEY);
    expect(q.message).not.toContain(KEY);
    expect((await customApiKey.test!(settings({ authPlacement: "bearer" }), testContext())).ok).toBe(true);
    expect(fake.requests[2]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("honours the expected status", async () => {
    expect(await customApiKey.test!(settings({ testPath: "/created", expectedStatus: 201 }), testContext())).toMatchObject({ ok: true });
    const r = await customApiKey.test!(settings({ testPath: "/created" }), testContext());
    expect(r).toEqual({ ok: false, message: `GET ${fake.url}/v1/created answered 201 Created instead of 200: {"id":1}` });
  });

  it("a wrong key → apiKey, with the body excerpt and the key blanked", async () => {
    const r = await customApiKey.test!(settings({}, "wrong-key"), testContext());
    expect(r).toMatchObject({ ok: false, field: "apiKey" });
    expect(r.message).toContain(`answered 401 Unauthorized instead of 200: {"message":"invalid key …"}`);
    expect(r.message).not.toContain("wrong-key");
  });

  it("404 → testPath; redirect → baseUrl; unreachable → baseUrl", async () => {
    expect(await customApiKey.test!(settings({ testPath: "/nope" }), testContext())).toMatchObject({ ok: false, field: "testPath" });
    const moved = await customApiKey.test!(settings({ testPath: "/moved" }), testContext());
    expect(moved).toMatchObject({ ok: false, field: "baseUrl" });
    expect(moved.message).toContain("to https://api.example.com/v1/moved");
    expect(await customApiKey.test!(settings({ baseUrl: "http://127.0.0.1:1" }), testContext())).toMatchObject({ ok: false, field: "baseUrl" });
  });
});
