import { afterEach, describe, expect, it } from "vitest";
import { startFake, testContext } from "@/lib/providers/_shared/testing";
import { postmark, postmarkCredentialsSchema } from "./index";

const TOKEN = "0d2f3e4a-1b2c-4d5e-8f90-123456789abc";
let fake: Awaited<ReturnType<typeof startFake>> | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const settings = (baseUrl: string, serverToken = TOKEN) => ({ fromAddress: "a@example.com", messageStream: "outbound", baseUrl, serverToken });

describe("postmark", () => {
  it("checks the server token against GET /server with X-Postmark-Server-Token", async () => {
    fake = await startFake(() => ({ body: { ID: 1, Name: "Acme transactional" } }));
    const r = await postmark.test!(settings(fake.url), testContext({ allowPrivate: ["127.0.0.1"] }));
    expect(r).toMatchObject({ ok: true, message: expect.stringContaining("Acme transactional") });
    expect(fake.requests[0]).toMatchObject({ method: "GET", path: "/server" });
    expect(fake.requests[0]!.headers["x-postmark-server-token"]).toBe(TOKEN);
  });

  it("explains Postmark's documented ErrorCode 10 as a rejected token, never echoing it", async () => {
    fake = await startFake(() => ({ status: 401, body: { ErrorCode: 10, Message: `Bad or missing Server API token ${TOKEN}` } }));
    const r = await postmark.test!(settings(fake.url), testContext({ allowPrivate: ["127.0.0.1"] }));
    expect(r).toMatchObject({ ok: false, field: "serverToken", message: expect.stringContaining("rejected the Server API token") });
    expect(JSON.stringify(r)).not.toContain(TOKEN);
  });

  it("blames the base URL for answers that are not Postmark's", async () => {
    fake = await startFake(() => ({ status: 404, body: "<html>not here</html>" }));
    const r = await postmark.test!(settings(fake.url), testContext({ allowPrivate: ["127.0.0.1"] }));
    expect(r).toMatchObject({ ok: false, field: "baseUrl" });
  });

  it("validates the token's shape", () => {
    expect(postmarkCredentialsSchema.safeParse({ serverToken: TOKEN }).success).toBe(true);
    expect(postmarkCredentialsSchema.safeParse({ serverToken: "pm-account-token" }).success).toBe(false);
  });
});
