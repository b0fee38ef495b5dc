import { describe, expect, it } from "vitest";
import { type JsonReply, type SeenRequest, startJsonPeer, testContext } from "@/lib/providers/_shared/testing";
import { jira } from "./index";

const EMAIL = "bot@example.com";
const TOKEN = "ATATT3xFfGF0-token";

type Seen = SeenRequest;
type Reply = JsonReply;
const peer = await startJsonPeer({ contentType: "application/json;charset=UTF-8" });
const { seen, url: baseUrl } = peer;

const ctx = () => testContext();
const settings = (apiToken = TOKEN) => ({ ...jira.configSchema.parse({ baseUrl: `${baseUrl}/`, email: EMAIL }), ...jira.credentialsSchema.parse({ apiToken }) });
const fake = (req: Seen): Reply => {
  if (req.url !== "/rest/api/3/myself") return { status: 404, json: { errorMessages: ["Not found"], errors: {} } };
  if (req.headers.authorization !== `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString("base64")}`) {
    return { status: 401, json: { errorMessages: ["Client must be authenticated to access this resource."], errors: {} } };
  }
  return { status: 200, json: { accountId: "5b10a2844c20165700ede21g", emailAddress: EMAIL, displayName: "Patchbay Bot", active: true, accountType: "atlassian", timeZone: "Europe/Paris" } };
};

describe("jira schemas", () => {
  it("requires a site URL and an email", () => {
    expect(jira.configSchema.safeParse({ email: EMAIL }).success).toBe(false);
    expect(jira.configSchema.safeParse({ baseUrl: "https://acme.atlassian.net", email: "nope" }).success).toBe(false);
    expect(jira.configSchema.parse({ baseUrl: "https://acme.atlassian.net", email: EMAIL })).toEqual({ baseUrl: "https://acme.atlassian.net", email: EMAIL });
  });
  it("asks for the bare site address when a Jira page URL is pasted", () => {
    expect(jira.configSchema.safeParse({ baseUrl: "https://acme.atlassian.net/jira/software/projects/ABC/boards/1", email: EMAIL }).error?.issues[0]?.message).toBe(
      "Enter only the site address: https://acme.atlassian.net",
    );
  });
  it("requires the API token", () => {
    expect(jira.credentialsSchema.safeParse({ apiToken: "" }).success).toBe(false);
  });
});

describe("jira test()", () => {
  it("calls /rest/api/3/myself with Basic email:token and reports the display name", async () => {
    peer.reply = fake;
    const r = await jira.test!(settings(), ctx());
    expect(seen[0]).toMatchObject({ method: "GET", url: "/rest/api/3/myself" });
    expect(seen[0]!.headers.authorization).toMatch(/^Basic /);
    expect(r).toMatchObject({ ok: true, message: "Signed in to Jira as Patchbay Bot." });
  });

  it("explains Jira's 401 on the API token field", async () => {
    peer.reply = fake;
    const r = await jira.test!(settings("wrong"), ctx());
    expect(r).toMatchObject({ ok: false, field: "apiToken" });
    expect(r.message).toMatch(/Jira rejected the email and API token/);
    expect(r.message).toMatch(/Client must be authenticated/);
  });

  it("explains the CAPTCHA lock-out", async () => {
    peer.reply = () => ({ status: 403, headers: { "x-seraph-loginreason": "AUTHENTICATED_FAILED, AUTHENTICATION_DENIED" } });
    const r = await jira.test!(settings(), ctx());
    expect(r).toMatchObject({ ok: false, field: "apiToken" });
    expect(r.message).toMatch(/CAPTCHA/);
  });

  it("blames the site URL for a 404 or a redirect", async () => {
    peer.reply = () => ({ status: 404, json: { errorMessages: ["Not found"] } });
    expect(await jira.test!(settings(), ctx())).toMatchObject({ ok: false, field: "baseUrl" });
    peer.reply = () => ({ status: 302, headers: { location: "https://id.atlassian.com/login" } });
    expect(await jira.test!(settings(), ctx())).toMatchObject({ ok: false, field: "baseUrl" });
  });
});

describe("jira site URL", () => {
  it("refuses non-URLs, plain http to public hosts and embedded credentials", () => {
    const msg = (baseUrl: string) => jira.configSchema.safeParse({ baseUrl, email: EMAIL }).error?.issues[0]?.message;
    expect(msg("acme")).toBeDefined();
    expect(msg("http://acme.atlassian.net")).toMatch(/https/);
    expect(msg("https://me:pw@acme.atlassian.net")).toMatch(/user name and password/);
  });
});
