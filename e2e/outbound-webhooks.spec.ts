// Outbound webhooks end to end: an organization adds an endpoint pointing at a local receiver that
// verifies every delivery with the official Standard Webhooks library. A test event fails once
// (HTTP 500), the background worker retries it 5 s later with the same webhook-id, and the
// delivery log shows both attempts; Resend and secret rotation work from the same page.
import http from "node:http";
import { Webhook } from "standardwebhooks";
import { Shell, clickUntilVisible, expect, signInAsOwner, test } from "./fixtures";

const SECRET = `whsec_${Buffer.from("e2e-outbound-webhook-secret-32-bytes!!").toString("base64")}`;
type Received = { id: string; type: string; verified: boolean };
const received: Received[] = [];
let server: http.Server;
let port = 0;
let failNextTestEvent = true;

test.beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let type = "";
      let verified = false;
      try {
        type = (new Webhook(SECRET).verify(body, req.headers as Record<string, string>) as { type: string }).type;
        verified = true;
      } catch {
        verified = false;
      }
      received.push({ id: String(req.headers["webhook-id"]), type, verified });
      const fail = verified && type === "patchbay.test" && failNextTestEvent;
      if (fail) failNextTestEvent = false;
      res.writeHead(!verified ? 401 : fail ? 500 : 200, { "content-type": "text/plain", connection: "close" }).end(fail ? "receiver warming up" : verified ? "ok" : "bad signature");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as { port: number }).port;
});
test.afterAll(async () => {
  await new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
});

test("a test event that fails once is retried with the same webhook-id and shows in the delivery log; resend and rotation work", async ({ page }) => {
  test.setTimeout(120_000);
  await signInAsOwner(page);
  await new Shell(page).createOrganization("Hooks Inc");

  await page.goto("/connections/new?provider=outbound-webhook");
  await page.getByLabel("Connection name").fill("Billing receiver");
  await page.getByLabel("Endpoint URL").fill(`http://127.0.0.1:${port}/hooks`);
  await page.getByLabel("Event types (optional)").fill("order.*");
  await page.getByLabel("Signing secret").fill(SECRET);
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
  const deliveries = page.getByTestId("outbound-deliveries");
  await expect(deliveries).toContainText("No deliveries yet");

  await page.getByRole("button", { name: "Send test event" }).click();
  const table = page.getByRole("table", { name: "Deliveries" });
  await expect(table).toContainText("patchbay.test");
  // First attempt: 500; the worker retries 5 s later; the page refreshes itself meanwhile.
  await expect(table.getByTestId("delivery-status").first()).toHaveText("delivered", { timeout: 45_000 });
  const tests = received.filter((r) => r.type === "patchbay.test");
  expect(tests).toHaveLength(2);
  expect(tests.every((r) => r.verified)).toBe(true);
  expect(tests[0]!.id).toBe(tests[1]!.id);
  await expect(table).toContainText(tests[0]!.id);

  await table.getByText("2 attempts").click();
  const attempts = table.getByTestId("delivery-attempt");
  await expect(attempts).toHaveCount(2);
  await expect(attempts.nth(0)).toContainText("HTTP 500");
  await expect(attempts.nth(0)).toContainText("receiver warming up");
  await expect(attempts.nth(1)).toContainText("HTTP 200");
  await page.screenshot({ path: "test-results/outbound-deliveries.png", fullPage: true });

  await table.getByRole("button", { name: "Resend" }).click();
  await expect(table.getByText("3 attempts")).toBeVisible({ timeout: 30_000 });
  expect(received.filter((r) => r.type === "patchbay.test").map((r) => r.id)).toEqual([tests[0]!.id, tests[0]!.id, tests[0]!.id]);

  await clickUntilVisible(page.getByRole("button", { name: "Rotate signing secret" }), page.getByRole("alertdialog"));
  await page.getByRole("button", { name: "Rotate", exact: true }).click();
  await expect(page.getByTestId("previous-secret-note")).toContainText("The previous signing secret also signs deliveries until");
});
