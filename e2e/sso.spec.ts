import type { Page } from "@playwright/test";
import { startOAuthServer } from "./peers/oauth-server";
import { clickUntilVisible, expect, MembersPage, OWNER, Shell, signInAsOwner as signInOrSetUp, test } from "./fixtures";

test.describe.configure({ mode: "serial" });

const PORT = Number(process.env.E2E_PORT ?? 3210);
const APP = `http://localhost:${PORT}`;
// The email scope releases email and email_verified (in the ID token, which Auth.js reads).
const CLIENT = { clientId: "patchbay-sso", clientSecret: "sso-client-secret-123", claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] } };
let server: Awaited<ReturnType<typeof startOAuthServer>>;
let connectionId: string;

test.beforeAll(async () => {
  server = await startOAuthServer({ ...CLIENT, redirectUri: `${APP}/api/oauth/callback` });
});
test.afterAll(async ({ browser }) => {
  // A failed test may have left the connection: remove it so later specs see a plain sign-in page.
  if (connectionId) {
    const page = await browser.newPage();
    await signInAsOwner(page).then(() => deleteConnection(page)).catch(() => {});
    await page.close();
  }
  await server?.close();
});

/**
 * Sign in as the owner. Once an SSO button is on the page, "Sign in" must match exactly (the
 * fixture's SignInPage matches "Sign in with …" too), so this spec signs in itself.
 */
async function signInAsOwner(page: Page) {
  await page.goto("/sign-in");
  if (page.url().endsWith("/setup")) return signInOrSetUp(page);
  await page.getByLabel("Email").fill(OWNER.email);
  await page.getByLabel("Password").fill(OWNER.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("user-menu")).toBeVisible();
}

/** The peer's own dev login and consent pages. */
async function loginAtPeer(page: Page, login: string) {
  await expect(page).toHaveURL(new RegExp(`localhost:${server.port}/interaction/`));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("anything");
  await page.getByRole("button", { name: /Sign-in/i }).click();
  await page.getByRole("button", { name: /Continue/i }).click();
}

test("an OIDC connection used for sign-in: the button, the provider's login, a new member", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto("/connections/new?provider=oidc");
  await page.getByLabel("Connection name").fill("Acme ID");
  await page.getByLabel("Issuer").fill(server.issuer);
  await page.getByLabel("Client ID").fill(CLIENT.clientId);
  await page.getByLabel(/^Client authentication/).selectOption("client_secret_post");
  await page.getByLabel(/^Client secret/).fill(CLIENT.clientSecret);
  await page.getByLabel("Use for sign-in (SSO)").check();
  await page.getByLabel("Add unknown users as members").check();
  await page.getByLabel(/^Sign-in button label/).fill("Acme SSO");
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
  connectionId = new URL(page.url()).pathname.split("/").pop()!;

  // An authorization-code connection becomes active once an admin has authorized it.
  await page.getByRole("button", { name: /Connect with/ }).click();
  await loginAtPeer(page, "admin");
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}\?authorized=1$/);
  await expect(page.getByTestId("connection-status")).toHaveText("Active");

  // Now that the id is known, register Auth.js's callback for this connection at the provider
  // (the peer keeps clients in memory: restart it on the same port, which also drops its sessions).
  const port = server.port;
  await server.close();
  server = await startOAuthServer({ ...CLIENT, port, redirectUri: `${APP}/api/oauth/callback`, redirectUris: [`${APP}/api/auth/callback/sso-${connectionId}`] });

  await new Shell(page).signOut();
  const button = page.getByRole("button", { name: "Sign in with Acme SSO" });
  await expect(button).toBeVisible();
  await button.click();
  await loginAtPeer(page, "sso-alice");
  await expect(page.getByTestId("user-menu")).toBeVisible();
  await expect(page).not.toHaveURL(/sign-in/);

  // She is a member of Acme now.
  await new Shell(page).signOut();
  await signInAsOwner(page);
  await new MembersPage(page).open();
  await expect(page.getByText("sso-alice@example.test")).toBeVisible();
});

test("with signup off, an unknown user is refused with a clear message", async ({ page }) => {
  // Serial spec: this test continues with the connection the previous one created.
  expect(connectionId, "the previous test creates the SSO connection").toBeTruthy();
  await signInAsOwner(page);
  await page.goto(`/connections/${connectionId}`);
  await page.getByLabel("Add unknown users as members").uncheck();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText(/^Saved\./).first()).toBeVisible();
  await new Shell(page).signOut();

  await page.getByRole("button", { name: "Sign in with Acme SSO" }).click();
  await loginAtPeer(page, "sso-bob");
  await expect(page).toHaveURL(/\/sign-in\?error=sso_not_member/);
  await expect(page.getByTestId("sign-in-error")).toHaveText(/^sso-bob@example\.test is not a member of [^.]+\. Ask an owner to add you\.$/);
  await expect(page.getByTestId("user-menu")).toHaveCount(0);

  // Leave no SSO connection behind for specs that run later on this server.
  await signInAsOwner(page);
  await deleteConnection(page);
  await new Shell(page).signOut();
  await expect(page.getByRole("button", { name: /^Sign in with/ })).toHaveCount(0);
});

async function deleteConnection(page: Page) {
  await page.goto(`/connections/${connectionId}`);
  await clickUntilVisible(page.getByRole("button", { name: "Delete" }), page.getByRole("alertdialog"));
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
  await expect(page).toHaveURL(/\/connections$/);
  connectionId = "";
}
