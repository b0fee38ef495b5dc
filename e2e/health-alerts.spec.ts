// Health alerts end to end: a connection's peer goes down, two failed tests make it failing, and
// the alert email (with a link to the connection) arrives at a real local SMTP server; the peer
// comes back and a recovery email follows. Everything happens in an organization of its own, so
// the other specs' organization keeps no SMTP connection.
import http from "node:http";
import type { Page } from "@playwright/test";
import { startSmtpSink, type ReceivedMail } from "./peers/smtp-sink";
import { Shell, clickUntilVisible, expect, signInAsOwner, test } from "./fixtures";

const API_KEY = "alerts-key-0123456789";
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let peer: http.Server | undefined;
let peerPort = 0;

/** A REST API stand-in that accepts one API key. */
async function startPeer(port = 0): Promise<number> {
  peer = http.createServer((req, res) => {
    const ok = req.headers["x-api-key"] === API_KEY;
    res.writeHead(ok ? 200 : 401, { "content-type": "application/json", connection: "close" }).end(JSON.stringify(ok ? { account: "ops" } : { error: "invalid_api_key" }));
  });
  await new Promise<void>((r) => peer!.listen(port, "127.0.0.1", () => r()));
  return (peer.address() as { port: number }).port;
}

async function stopPeer() {
  const p = peer;
  peer = undefined;
  if (!p) return;
  await new Promise<void>((r) => {
    p.close(() => r());
    // Pooled keep-alive sockets would otherwise keep answering.
    p.closeAllConnections();
  });
}

/** The message as a reader sees it: quoted-printable soft line breaks joined. */
function body(mail: ReceivedMail): string {
  return mail.raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
}

const alertMails = (subject: string) => sink.received.filter((m) => body(m).includes(`Subject: ${subject}`));

async function testConnectionUntil(page: Page, health: RegExp) {
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByText(health).first()).toBeVisible();
}

test.beforeAll(async () => {
  sink = await startSmtpSink({ username: "alerts", password: "alerts-sink-password" });
  peerPort = await startPeer();
});
test.afterAll(async () => {
  await stopPeer();
  await sink?.close();
});

test("a connection that starts failing sends one alert email per status change, with a link; its recovery sends another", async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  await signInAsOwner(page);
  await new Shell(page).createOrganization("Ops Alerts");

  // The organization's email: an SMTP connection to the local sink.
  await page.goto("/connections/new?provider=smtp");
  await page.getByLabel("Connection name").fill("Ops mail");
  await page.getByLabel("Host").fill("127.0.0.1");
  await page.getByLabel("Port (optional)").fill(String(sink.port));
  await page.getByLabel("Security (optional)").selectOption("none");
  await page.getByLabel("Username (optional)").fill("alerts");
  await page.getByLabel("From address").fill("patchbay@ops.test");
  await page.getByLabel("Password (optional)").fill("alerts-sink-password");
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);

  // An alert channel through it; a bad recipient list is refused on the field.
  await page.goto("/settings/alerts");
  await expect(page.getByRole("table", { name: "Alert channels" })).toContainText("No alert channels");
  await page.getByLabel("Send through").selectOption({ label: "Ops mail (SMTP)" });
  await page.getByLabel("Recipients").fill("oncall@ops.test, not-an-email");
  await page.getByRole("button", { name: "Add channel" }).click();
  await expect(page.getByText("This is not an email address: not-an-email. Separate addresses with commas.")).toBeVisible();
  await page.getByLabel("Recipients").fill("oncall@ops.test");
  await page.getByRole("button", { name: "Add channel" }).click();
  const channels = page.getByRole("table", { name: "Alert channels" });
  await expect(channels).toContainText("oncall@ops.test");

  // A test alert arrives now.
  await channels.getByRole("button", { name: "Send test alert" }).click();
  await expect(page.getByTestId("test-alert-result")).toContainText("Test alert sent to Ops mail → oncall@ops.test.");
  await expect.poll(() => alertMails("[Patchbay test]").length).toBe(1);
  expect(alertMails("[Patchbay test]")[0]!.to).toEqual(["oncall@ops.test"]);

  // The watched connection: a REST API on the local peer, tested before save.
  await page.goto("/connections/new?provider=custom-api-key");
  await page.getByLabel("Connection name").fill("Billing API");
  await page.getByLabel("Base URL").fill(`http://127.0.0.1:${peerPort}`);
  await page.getByLabel("Test path (optional)").fill("/me");
  await page.getByRole("textbox", { name: "API key" }).fill(API_KEY);
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
  const connectionPath = new URL(page.url()).pathname;
  const link = `${new URL(baseURL!).origin}${connectionPath}`;
  await expect(page.getByTestId("health-status").first()).toHaveText("Healthy");
  await page.waitForLoadState("networkidle");

  // The peer goes down: one failed test degrades, the second makes it failing. (A scheduled check
  // may land in between and count as one of the two: the alerts are the same.)
  await stopPeer();
  await testConnectionUntil(page, /^(degraded|failing)$/i);
  await testConnectionUntil(page, /^failing$/i);

  await expect.poll(() => alertMails("[Patchbay] Billing API is failing").length, { timeout: 30_000 }).toBe(1);
  const failing = body(alertMails("[Patchbay] Billing API is failing")[0]!);
  expect(failing).toContain(`Open the connection: ${link}`);
  expect(failing).toContain("changed from degraded to failing");
  expect(alertMails("[Patchbay] Billing API is failing")[0]!.to).toEqual(["oncall@ops.test"]);
  await expect.poll(() => alertMails("[Patchbay] Billing API is degraded").length, { timeout: 30_000 }).toBe(1);

  // A third failure changes nothing: no alert for it.
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByText(/^Test failed after/).first()).toBeVisible();

  // The peer is back on the same port. "Test connection" is a probe: the circuit breaker the failed
  // calls opened does not stop it, and its success recovers the connection; the recovery is alerted.
  await startPeer(peerPort);
  await expect(async () => {
    await testConnectionUntil(page, /^(healthy|failing)$/i);
    await expect(page.getByText(/^healthy$/i).first()).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 90_000, intervals: [5_000] });
  await expect.poll(() => alertMails("[Patchbay] Billing API is healthy again").length, { timeout: 30_000 }).toBe(1);
  expect(body(alertMails("[Patchbay] Billing API is healthy again")[0]!)).toContain(link);
  // Three transitions, three alerts (and the test alert): not one per failed check.
  expect(sink.received).toHaveLength(4);

  // Settings → Alerts lists the deliveries.
  await page.goto("/settings/alerts");
  const deliveries = page.getByTestId("alert-delivery");
  await expect(deliveries).toHaveCount(3);
  await expect(deliveries.first()).toContainText("Billing API");
  await expect(deliveries.first()).toContainText("Delivered");
  await page.screenshot({ path: "test-results/health-alerts-settings.png", fullPage: true });

  // The home page shows the organization's connections by health and the recent changes, with links.
  await page.goto("/");
  await expect(page.getByTestId("connection-count")).toHaveText("2");
  await expect(page.getByTestId("health-count-healthy")).toHaveAttribute("href", "/health?status=healthy");
  const changes = page.getByTestId("status-change");
  await expect(changes).toHaveCount(3);
  await expect(changes.first()).toContainText("Billing API");
  await expect(changes.first().getByRole("link", { name: "Billing API" })).toHaveAttribute("href", connectionPath);
  await page.screenshot({ path: "test-results/health-alerts-home.png", fullPage: true });

  // Clean up for the specs that follow (the peers stop with this file): the channel is deleted and
  // the watched connection disabled, so no later check or alert reaches for them.
  await page.goto("/settings/alerts");
  await clickUntilVisible(channels.getByRole("button", { name: "Delete" }), page.getByRole("alertdialog"));
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
  await expect(channels).toContainText("No alert channels");
  await page.goto(connectionPath);
  await page.getByRole("button", { name: "Disable" }).click();
  await expect(page.getByTestId("connection-status")).toHaveText("Disabled");
});
