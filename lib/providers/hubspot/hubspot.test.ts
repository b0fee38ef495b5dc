import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { startFake, testContext } from "@/lib/providers/_shared/testing";
import { hubspot, hubspotConfigSchema } from ".";

let fake: Awaited<ReturnType<typeof startFake>>;

beforeAll(async () => {
  fake = await startFake((req) => {
    if (req.path !== "/account-info/2026-03/details") return { status: 404, body: { status: "error", message: "not found" } };
    const auth = req.headers.authorization;
    if (auth === "Bearer tok") return { body: { portalId: 62515, accountType: "STANDARD", timeZone: "US/Eastern", companyCurrency: "USD", uiDomain: "app.hubspot.com", dataHostingLocation: "na1" } };
    if (auth === "Bearer noscope")
      return { status: 403, body: { status: "error", message: "This app hasn't been granted all required scopes to make this call.", category: "MISSING_SCOPES" } };
    return { status: 401, body: { status: "error", message: "Authentication credentials not found.", category: "INVALID_AUTHENTICATION" } };
  });
});
afterAll(() => fake.close());

const settings = (over: Record<string, unknown> = {}) => ({
  ...hubspotConfigSchema.parse({ clientId: "cid", authBaseUrl: fake.url, apiBaseUrl: fake.url, ...over }),
  clientSecret: "shh",
});

describe("hubspot schema", () => {
  it("applies defaults and validates URLs", () => {
    const c = hubspotConfigSchema.parse({ clientId: "cid" });
    expect(c.apiBaseUrl).toBe("https://api.hubapi.com");
    expect(c.authBaseUrl).toBe("https://app.hubspot.com");
    expect(hubspot.oauth!.scopes(c)).toEqual(["oauth", "crm.objects.contacts.read", "crm.objects.companies.read", "crm.objects.deals.read"]);
    expect(hubspotConfigSchema.safeParse({ clientId: "cid", apiBaseUrl: "not a url" }).success).toBe(false);
    expect(hubspotConfigSchema.safeParse({ clientId: "cid", apiBaseUrl: "http://api.hubapi.com" }).success).toBe(false);
    expect(hubspotConfigSchema.safeParse({ clientId: "cid", apiBaseUrl: "ftp://api.hubapi.com" }).success).toBe(false);
    expect(hubspotConfigSchema.safeParse({ clientId: "" }).success).toBe(false);
  });

  it("declares the OAuth endpoints", () => {
    const c = hubspotConfigSchema.parse({ clientId: "cid" });
    const o = hubspot.oauth!;
    expect(o.grant).toBe("authorization_code");
    expect(o.authorizationEndpoint!(c)).toBe("https://app.hubspot.com/oauth/authorize");
    expect(o.tokenEndpoint(c)).toBe("https://api.hubapi.com/oauth/2026-03/token");
    expect(o.revocationEndpoint!(c)).toBe("https://api.hubapi.com/oauth/2026-03/token/revoke");
    expect(o.clientAuth).toBe("client_secret_post");
    expect(o.pkce).toBe(true);
  });
});

describe("hubspot test()", () => {
  it("reads the account details with the bearer token", async () => {
    fake.requests.length = 0;
    const r = await hubspot.test!(settings(), testContext());
    expect(r).toMatchObject({ ok: true, message: "Connected to HubSpot account 62515 (app.hubspot.com)." });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ method: "GET", path: "/account-info/2026-03/details" });
    expect(fake.requests[0]!.headers.authorization).toBe("Bearer tok");
  });

  it("asks to reconnect when the token is rejected", async () => {
    const r = await hubspot.test!(settings(), testContext({ getAccessToken: async () => "expired" }));
    expect(r).toEqual({ ok: false, reauth: true, message: "HubSpot rejected the access token; reconnect." });
  });

  it("blames the scopes on 403", async () => {
    const r = await hubspot.test!(settings(), testContext({ getAccessToken: async () => "noscope" }));
    expect(r).toMatchObject({ ok: false, field: "scopes" });
    expect(r.message).toContain("granted all required scopes");
  });

  it("says to connect first when there is no token", async () => {
    expect(await hubspot.test!(settings(), testContext({ getAccessToken: undefined }))).toEqual({ ok: false, message: "Not authorized yet: click Connect to sign in with HubSpot." });
    const failing = testContext({
      getAccessToken: async () => {
        throw new AppError("unauthorized", "HubSpot needs to be reconnected: the refresh token was revoked.");
      },
    });
    expect(await hubspot.test!(settings(), failing)).toEqual({ ok: false, reauth: true, message: "HubSpot needs to be reconnected: the refresh token was revoked." });
  });

  it("blames the API base URL when nothing answers", async () => {
    const r = await hubspot.test!(settings({ apiBaseUrl: "http://127.0.0.1:1" }), testContext());
    expect(r).toMatchObject({ ok: false, field: "apiBaseUrl" });
    expect(r.message).toMatch(/^Could not reach HubSpot: /);
  });
});
