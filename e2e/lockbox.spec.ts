import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { startSmtpSink } from "./peers/smtp-sink";
import { MembersPage, Shell, SignInPage, clickUntilVisible, expect, signInAsOwner, test } from "./fixtures";

test.describe.configure({ mode: "serial" });

// A random secret: if it shows up anywhere outside the sealed column, something leaked it.
const CANARY = `canary-${randomBytes(12).toString("hex")}`;
const VIEWER = { name: "Vera Viewer", email: `vera-${randomBytes(3).toString("hex")}@acme.test`, password: "viewer-password-1" };
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let connectionUrl = "";
const bodies: { url: string; body: string }[] = [];

/** Route every request through the test, so each full response body (also streamed RSC and action responses) is recorded. */
async function record(page: Page) {
  await page.route("**/*", async (route) => {
    const method = route.request().method();
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await route.fetch({ maxRedirects: 0 });
        const body = await response.body();
        bodies.push({ url: route.request().url(), body: body.toString("utf8") });
        await route.fulfill({ response, body });
        return;
      } catch (error) {
        // route.fetch reuses kept-alive connections, and one the server closes as the request goes out fails
        // with "socket hang up" (ECONNRESET): a GET is sent again, as a browser would. Otherwise the page
        // closed at the end of a test with a request in flight.
        const reset = /ECONNRESET|socket hang up/.test(String(error));
        if (reset && attempt < 3 && (method === "GET" || method === "HEAD") && !page.isClosed()) continue;
        await route.abort().catch(() => {});
        return;
      }
    }
  });
}

test.beforeAll(async () => {
  sink = await startSmtpSink({ username: "mailer", password: CANARY });
});
test.afterEach(async ({ page }) => {
  await page.unrouteAll({ behavior: "ignoreErrors" });
});
test.afterAll(async () => {
  await sink?.close();
});

test("an admin connects SMTP with a test before save; a wrong password is refused on the field", async ({ page }) => {
  await record(page);
  await signInAsOwner(page);
  await page.goto("/integrations");
  await page.getByRole("link", { name: /SMTP/ }).click();
  await expect(page.getByTestId("effective-connection")).toContainText("SMTP is not configured");
  await page.getByRole("link", { name: "Connect SMTP" }).click();
  await page.getByLabel("Connection name").fill("Transactional email");
  await page.getByLabel("Host").fill("127.0.0.1");
  await page.getByLabel("Port (optional)").fill(String(sink.port));
  await page.getByLabel("Security (optional)").selectOption("none");
  await page.getByLabel("Username (optional)").fill("mailer");
  await page.getByLabel("From address").fill("alerts@acme.test");
  await page.getByLabel("Password (optional)").fill("wrong-password");
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page.getByText("The SMTP server rejected the username or password.").first()).toBeVisible();
  await expect(page.getByLabel("Password (optional)")).toHaveValue("wrong-password"); // the form keeps what was typed; the server echoes nothing

  await page.getByLabel("Password (optional)").fill(CANARY);
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
  connectionUrl = new URL(page.url()).pathname;
  await expect(page.getByTestId("connection-status")).toHaveText("Active");
  await expect(page.getByText(`Stored: ••••${CANARY.slice(-4)}`)).toBeVisible();
  await expect(page.getByTestId("source-port")).toHaveText("this organization");
  await expect(page.getByTestId("source-timeoutMs")).toHaveText("default");
});

test("every page and action works without the secret ever leaving the server", async ({ page }) => {
  // It walks every page, as owner and as member: on a loaded machine that is close to a minute.
  test.setTimeout(150_000);
  await record(page);
  await signInAsOwner(page);
  for (const p of ["/", "/connections", connectionUrl, "/integrations", "/integrations/smtp", "/settings/organization", "/settings/encryption", "/settings/api-tokens", "/settings/network", "/settings/alerts", "/settings/jobs", "/settings/audit", "/settings/members", "/health", "/webhooks", "/mappings", "/records", `${connectionUrl}/sync`]) {
    await page.goto(p);
    await expect(page.getByTestId("user-menu")).toBeVisible();
  }
  await page.goto(connectionUrl);
  // Save without touching the password (kept), then test, disable and enable.
  await page.getByLabel("From name (optional)").fill("Acme Alerts");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText(/^Saved\. Test passed/).last()).toBeVisible();
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByText(/^Test passed in \d+ ms/).last()).toBeVisible();
  await page.getByRole("button", { name: "Disable" }).click();
  await expect(page.getByTestId("connection-status")).toHaveText("Disabled");
  await page.getByRole("button", { name: "Enable" }).click();
  await expect(page.getByTestId("connection-status")).toHaveText("Active");
  // Rotate the organization's data key while the connection is in use.
  await page.goto("/settings/encryption");
  await clickUntilVisible(page.getByRole("button", { name: "Rotate organization data key" }), page.getByRole("alertdialog"));
  await page.getByRole("button", { name: "Rotate", exact: true }).click();
  await expect(page.getByTestId("rotation-organization")).toContainText("completed");
  await page.goto(connectionUrl);
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByText(/^Test passed in \d+ ms/).last()).toBeVisible();
  expect(sink.received.length).toBe(0);

  // A member sees the connection without even the masked tail.
  const members = new MembersPage(page);
  await members.open();
  await members.addWithPassword(VIEWER, "member");
  await expect(page.getByTestId(`member-${VIEWER.email}`)).toBeVisible();
  await new Shell(page).signOut();
  await new SignInPage(page).signIn(VIEWER.email, VIEWER.password);
  await expect(page.getByTestId("user-menu")).toBeVisible();
  await page.goto(connectionUrl);
  await expect(page.getByText("Settings (read-only)")).toBeVisible();
  await expect(page.getByRole("button", { name: /Reveal/ })).toHaveCount(0);
  const memberHtml = await page.content();
  expect(memberHtml).not.toContain(CANARY.slice(-4));

  // The canary appears in no response: HTML, RSC payloads, action results.
  expect(bodies.length).toBeGreaterThan(30);
  const leaks = bodies.filter((b) => b.body.includes(CANARY)).map((b) => b.url);
  expect(leaks).toEqual([]);
});

test("nothing on disk holds the secret in plaintext: database files, WAL and the server log", async () => {
  const root = path.resolve(".data-e2e");
  const filesContaining = (text: string) => {
    const hits: string[] = [];
    const needle = Buffer.from(text);
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (fs.readFileSync(p).includes(needle)) hits.push(path.relative(root, p));
      }
    };
    walk(root);
    return hits;
  };
  // The scan does see what the database stores in plain text (a connection name, an email)...
  expect(filesContaining("Transactional email").length).toBeGreaterThan(0);
  expect(filesContaining(VIEWER.email).length).toBeGreaterThan(0);
  // ...and never the secret.
  const hits = filesContaining(CANARY);
  expect(fs.existsSync(path.join(root, "server.log"))).toBe(true);
  expect(fs.readFileSync(path.join(root, "server.log"), "utf8").length).toBeGreaterThan(0);
  expect(hits).toEqual([]);
});

test("reveal is admin-only, asks first, and is audited", async ({ page }) => {
  bodies.length = 0;
  await record(page);
  await signInAsOwner(page);
  await page.goto(connectionUrl);
  await clickUntilVisible(page.getByRole("button", { name: "Reveal Password" }), page.getByRole("alertdialog"));
  await expect(page.getByRole("alertdialog")).toContainText("written to the audit log");
  await page.getByRole("button", { name: "Reveal", exact: true }).click();
  await expect(page.getByTestId("revealed-secret")).toHaveText(CANARY);
  // The response scan used above does catch the secret when it is sent (here, on purpose).
  expect(bodies.some((b) => b.body.includes(CANARY))).toBe(true);
  await page.getByRole("button", { name: "Close" }).click();
  await page.goto("/settings/audit?action=secret_revealed");
  await expect(page.getByRole("cell", { name: "connection.secret_revealed" }).first()).toBeVisible();
});

test("an SMTP connection sends a test email that arrives at the local SMTP server", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto(connectionUrl);
  await page.getByLabel("Send a test email to").fill("not-an-email");
  await page.getByRole("button", { name: "Send test email" }).click();
  await expect(page.getByText("Enter a valid email address")).toBeVisible();
  await page.getByLabel("Send a test email to").fill("ops@acme.test");
  await page.getByRole("button", { name: "Send test email" }).click();
  await expect(page.getByText(/^Test email sent in \d+ ms/)).toBeVisible();
  await expect.poll(() => sink.received.length).toBe(1);
  expect(sink.received[0]!.to).toEqual(["ops@acme.test"]);
  expect(sink.received[0]!.user).toBe("mailer");
  expect(sink.received[0]!.raw).toContain("Patchbay test email");
});

test("an admin creates an API token; the REST API answers with it and never returns the secret", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto("/settings/api-tokens");
  await page.getByLabel("Token name").fill("billing backend");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = await page.getByTestId("new-api-token").inputValue();
  expect(token).toMatch(/^pb_[\w-]{40,}$/);
  await expect(page.getByRole("table", { name: "API tokens" })).toContainText("billing backend");
  const unauthorized = await page.request.get("/api/v1/integrations");
  expect(unauthorized.status()).toBe(401);
  expect(await unauthorized.json()).toMatchObject({ error: { code: "unauthorized" } });
  const res = await page.request.get("/api/v1/integrations", { headers: { authorization: `Bearer ${token}` } });
  expect(res.status()).toBe(200);
  const body = await res.text();
  expect(body).toContain("Transactional email");
  expect(body).toContain('"password":{"set":true');
  expect(body).not.toContain(CANARY);
  // The token has no settings:read scope: decrypted settings are refused.
  const settings = await page.request.get("/api/v1/settings/smtp", { headers: { authorization: `Bearer ${token}` } });
  expect(settings.status()).toBe(403);
});
