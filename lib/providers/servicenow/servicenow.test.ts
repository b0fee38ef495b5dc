import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeRequest, startFake, testContext } from "@/lib/providers/_shared/testing";
import { servicenow } from "./index";

type Seen = { method: string; url: string; headers: FakeRequest["headers"] };
type Reply = { status: number; json?: unknown; html?: string };

let reply: (req: Seen) => Reply = () => ({ status: 500 });
const seen: Seen[] = [];
let peer: Awaited<ReturnType<typeof startFake>>;
let baseUrl = "";

beforeAll(async () => {
  peer = await startFake((req) => {
    const s: Seen = { method: req.method, url: req.url.pathname + req.url.search, headers: req.headers };
    seen.push(s);
    const r = reply(s);
    return { status: r.status, headers: { "content-type": r.html ? "text/html" : "application/json;charset=UTF-8" }, body: r.html ?? (r.json === undefined ? "" : JSON.stringify(r.json)) };
  });
  baseUrl = peer.url;
});
afterAll(() => peer.close());
beforeEach(() => {
  seen.length = 0;
});

const ctx = () => testContext();
const settings = (password = "s3cret") => ({ ...servicenow.configSchema.parse({ instanceUrl: baseUrl, username: "patchbay.integration" }), ...servicenow.credentialsSchema.parse({ password }) });
const fake = (req: Seen): Reply => {
  const expected = `Basic ${Buffer.from("patchbay.integration:s3cret").toString("base64")}`;
  if (req.headers.authorization !== expected) return { status: 401, json: { error: { message: "User Not Authenticated", detail: "Required to provide Auth information" }, status: "failure" } };
  return { status: 200, json: { result: [{ sys_id: "6816f79cc0a8016401c5a33be04be441" }] } };
};

describe("servicenow schemas", () => {
  it("requires the instance URL, user name and password", () => {
    expect(servicenow.configSchema.safeParse({ username: "a" }).success).toBe(false);
    expect(servicenow.configSchema.safeParse({ instanceUrl: "https://acme.service-now.com", username: "" }).success).toBe(false);
    expect(servicenow.configSchema.safeParse({ instanceUrl: "https://acme.service-now.com/now/nav/ui/home", username: "a" }).error?.issues[0]?.message).toBe(
      "Enter only the instance address: https://acme.service-now.com",
    );
    expect(servicenow.credentialsSchema.safeParse({}).success).toBe(false);
  });
});

describe("servicenow test()", () => {
  it("reads one sys_user id with Basic auth and JSON accept", async () => {
    reply = fake;
    const r = await servicenow.test!(settings(), ctx());
    expect(seen[0]!.method).toBe("GET");
    const url = new URL(seen[0]!.url, baseUrl);
    expect(url.pathname).toBe("/api/now/table/sys_user");
    expect(url.searchParams.get("sysparm_limit")).toBe("1");
    expect(seen[0]!.headers.authorization).toMatch(/^Basic /);
    expect(seen[0]!.headers.accept).toBe("application/json");
    expect(r).toMatchObject({ ok: true });
    expect(r.message).toMatch(/as patchbay\.integration/);
  });

  it("explains ServiceNow's 401 body on the password field", async () => {
    reply = fake;
    const r = await servicenow.test!(settings("wrong"), ctx());
    expect(r).toMatchObject({ ok: false, field: "password" });
    expect(r.message).toMatch(/rejected the user name and password/);
    expect(r.message).toMatch(/User Not Authenticated: Required to provide Auth information/);
  });

  it("explains missing rights on the user name field", async () => {
    reply = () => ({ status: 403, json: { error: { message: "Operation Failed", detail: "ACL Exception Insert Failed due to security constraints" }, status: "failure" } });
    const r = await servicenow.test!(settings(), ctx());
    expect(r).toMatchObject({ ok: false, field: "username" });
  });

  it("recognises a hibernating developer instance", async () => {
    reply = () => ({ status: 200, html: "<html><body>Your instance is hibernating</body></html>" });
    const r = await servicenow.test!(settings(), ctx());
    expect(r).toMatchObject({ ok: false, field: "instanceUrl" });
    expect(r.message).toMatch(/hibernating/);
  });
});
