import { startOAuthServer } from "./peers/oauth-server";
import { clickUntilVisible, expect, signInAsOwner, test } from "./fixtures";

test.describe.configure({ mode: "serial" });

const PORT = Number(process.env.E2E_PORT ?? 3210);
let server: Awaited<ReturnType<typeof startOAuthServer>>;

test.beforeAll(async () => {
  server = await startOAuthServer({ clientId: "patchbay-e2e", clientSecret: "e2e-client-secret-123", redirectUri: `http://localhost:${PORT}/api/oauth/callback`, accessTokenTtl: 4 });
});
test.afterAll(async () => {
  await server?.close();
});

test("connect a custom OAuth2 provider: consent, callback, active, refresh, disconnect revokes", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto("/integrations?q=oauth");
  await page.getByTestId("provider-card-custom-oauth2").click();
  await page.getByRole("link", { name: /^Connect / }).click();
  await page.getByLabel("Connection name").fill("Acme ID");
  await page.getByLabel("Service name (optional)").fill("Acme ID");
  await page.getByLabel("Authorization URL").fill(server.endpoints.authorization);
  await page.getByLabel("Token URL").fill(server.endpoints.token);
  await page.getByLabel("Revocation URL (optional)").fill(server.endpoints.revocation);
  await page.getByLabel("Scopes (optional)").fill("openid email offline_access");
  await page.getByLabel("Test URL (optional)").fill(server.endpoints.userinfo);
  await page.getByLabel("Client ID").fill("patchbay-e2e");
  await page.getByLabel("Client authentication (optional)").selectOption("client_secret_post");
  await page.getByLabel("Client secret (optional)").fill("e2e-client-secret-123");
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("connection-status")).toHaveText("Pending");

  // The real authorization server's own login and consent pages.
  await page.getByRole("button", { name: /Connect with/ }).click();
  await expect(page).toHaveURL(new RegExp(`localhost:${server.port}/interaction/`));
  await page.locator('input[name="login"]').fill("alice");
  await page.locator('input[name="password"]').fill("anything");
  await page.getByRole("button", { name: /Sign-in/i }).click();
  await page.getByRole("button", { name: /Continue/i }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}\?authorized=1$/);
  await expect(page.getByTestId("connection-status")).toHaveText("Active");
  await expect(page.getByTestId("oauth-token-info")).toContainText("Authorized");
  expect(server.counts.token).toBe(1);

  // Its access token lives 4 s; past half its life it is due, so using it refreshes first.
  await page.waitForTimeout(2_500);
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByText(/^Test passed in \d+ ms/).last()).toContainText("alice");
  expect(server.counts.refresh).toBeGreaterThanOrEqual(1);

  await clickUntilVisible(page.getByRole("button", { name: "Delete" }), page.getByRole("alertdialog"));
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
  await expect(page).toHaveURL(/\/connections$/);
  expect(server.counts.revocation).toBeGreaterThanOrEqual(1);
});

test("a denied consent lands on a clear page with a way to try again, and makes no token call", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto("/connections/new?provider=custom-oauth2");
  await page.getByLabel("Connection name").fill("Denied ID");
  await page.getByLabel("Authorization URL").fill(server.endpoints.authorization);
  await page.getByLabel("Token URL").fill(server.endpoints.token);
  await page.getByLabel("Scopes (optional)").fill("openid");
  await page.getByLabel("Client ID").fill("patchbay-e2e");
  await page.getByLabel("Client authentication (optional)").selectOption("client_secret_post");
  await page.getByLabel("Client secret (optional)").fill("e2e-client-secret-123");
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
  const before = server.counts.token;
  await page.getByRole("button", { name: /Connect with/ }).click();
  await expect(page).toHaveURL(new RegExp(`localhost:${server.port}/interaction/`));
  // Come back with the state but an error instead of a code, as a provider does on "Deny".
  const state = new URL(server.lastAuthorizationUrl!).searchParams.get("state");
  await page.goto(`/api/oauth/callback?error=access_denied&error_description=The+user+said+no&state=${state}`);
  await expect(page.getByTestId("authorization-error")).toContainText("denied");
  await expect(page.getByRole("link", { name: "Try again" })).toBeVisible();
  expect(server.counts.token).toBe(before);
  // The same state cannot be used again.
  await page.goto(`/api/oauth/callback?code=whatever&state=${state}`);
  await expect(page.getByTestId("authorization-error")).toContainText("already used");
  expect(server.counts.token).toBe(before);
});
