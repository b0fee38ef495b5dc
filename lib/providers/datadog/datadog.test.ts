import { describe, expect, it } from "vitest";
import { type JsonReply, type SeenRequest, startJsonPeer, testContext } from "@/lib/providers/_shared/testing";
import { datadog, datadogApiUrlFor } from "./index";

const API_KEY = "0123456789abcdef0123456789abcdef";
const APP_KEY = "0123456789abcdef0123456789abcdef01234567";

type Seen = SeenRequest;
type Reply = JsonReply;
const peer = await startJsonPeer();
const { seen, url: baseUrl } = peer;

const ctx = () => testContext();
const settings = (keys: { apiKey?: string; appKey?: string } = { apiKey: API_KEY, appKey: APP_KEY }) => ({
  ...datadog.configSchema.parse({ baseUrl }),
  ...datadog.credentialsSchema.parse({ apiKey: keys.apiKey ?? API_KEY, ...(keys.appKey ? { appKey: keys.appKey } : {}) }),
});

// Datadog's documented behaviour: /api/v1/validate checks DD-API-KEY only; /api/v2/validate_keys checks both.
const fake = (req: Seen): Reply => {
  const apiOk = req.headers["dd-api-key"] === API_KEY;
  if (req.url === "/api/v1/validate") return apiOk ? { status: 200, json: { valid: true } } : { status: 403, json: { errors: ["Forbidden"] } };
  if (req.url === "/api/v2/validate_keys") return apiOk && req.headers["dd-application-key"] === APP_KEY ? { status: 200, json: { status: "ok" } } : { status: 403, json: { errors: ["Forbidden"] } };
  return { status: 404, json: { errors: ["Not found"] } };
};

describe("datadog schemas", () => {
  it("defaults to US1 and points web addresses to the API host", () => {
    expect(datadog.configSchema.parse({}).baseUrl).toBe("https://api.datadoghq.com");
    expect(datadog.configSchema.safeParse({ baseUrl: "https://api.datadoghq.eu" }).success).toBe(true);
    expect(datadog.configSchema.safeParse({ baseUrl: "https://app.datadoghq.eu" }).error?.issues[0]?.message).toMatch(/https:\/\/api\.datadoghq\.eu$/);
    expect(datadogApiUrlFor("https://us5.datadoghq.com/monitors")).toBe("https://api.us5.datadoghq.com");
    expect(datadogApiUrlFor("https://api.us3.datadoghq.com")).toBeUndefined();
  });
  it("spots swapped keys", () => {
    expect(datadog.credentialsSchema.safeParse({ apiKey: API_KEY, appKey: APP_KEY }).success).toBe(true);
    expect(datadog.credentialsSchema.safeParse({ apiKey: APP_KEY }).error?.issues[0]?.message).toMatch(/application key/);
    expect(datadog.credentialsSchema.safeParse({ apiKey: API_KEY, appKey: API_KEY }).error?.issues[0]?.message).toMatch(/looks like an API key/);
  });
});

describe("datadog test()", () => {
  it("validates the API key, then both keys", async () => {
    peer.reply = fake;
    const r = await datadog.test!(settings(), ctx());
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(["GET /api/v1/validate", "GET /api/v2/validate_keys"]);
    expect(seen[0]!.headers["dd-api-key"]).toBe(API_KEY);
    expect(seen[0]!.headers["dd-application-key"]).toBeUndefined();
    expect(seen[1]!.headers["dd-application-key"]).toBe(APP_KEY);
    expect(r).toMatchObject({ ok: true, message: "Datadog accepted the API key and the application key." });
  });

  it("checks only the API key when there is no application key", async () => {
    peer.reply = fake;
    const r = await datadog.test!(settings({ apiKey: API_KEY }), ctx());
    expect(seen).toHaveLength(1);
    expect(r).toMatchObject({ ok: true });
  });

  it("blames the API key on Datadog's 403", async () => {
    peer.reply = fake;
    const r = await datadog.test!(settings({ apiKey: "ffffffffffffffffffffffffffffffff", appKey: APP_KEY }), ctx());
    expect(seen).toHaveLength(1);
    expect(r).toMatchObject({ ok: false, field: "apiKey" });
    expect(r.message).toMatch(/Datadog rejected the API key.*"Forbidden"/);
  });

  it("blames the application key when only it is wrong", async () => {
    peer.reply = fake;
    const r = await datadog.test!(settings({ apiKey: API_KEY, appKey: "ffffffffffffffffffffffffffffffffffffffff" }), ctx());
    expect(r).toMatchObject({ ok: false, field: "appKey" });
    expect(r.message).toMatch(/rejected the application key/);
  });
});
