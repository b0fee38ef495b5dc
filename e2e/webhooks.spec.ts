// Inbound webhooks end to end: a Stripe connection created in the UI shows its webhook URL; an event
// signed by Stripe's own library reaches the running server, is verified, stored and processed by
// the worker, shows in the Webhooks table, its payload opens (secrets masked), and it replays.
import Stripe from "stripe";
import { expect, signInAsOwner, test } from "./fixtures";

const WHSEC = "whsec_e2e_webhooks_secret_0123";
const stripe = new Stripe("sk_test_for_signing_only");

test("a signed Stripe event arrives, is listed and processed, its payload opens, and it can be replayed", async ({ page, request }) => {
  test.setTimeout(60_000);
  await signInAsOwner(page);
  await page.goto("/connections/new?provider=stripe");
  await page.getByLabel("Connection name").fill("Stripe webhooks");
  await page.getByRole("textbox", { name: "Secret key" }).fill("sk_test_e2e_123");
  await page.getByRole("textbox", { name: "Webhook signing secret" }).fill(WHSEC);
  // No Stripe account in the test: save without the API test.
  await page.getByLabel(/Test the connection before saving/).uncheck();
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);

  const card = page.getByTestId("webhook-endpoint");
  await expect(card).toBeVisible();
  const url = await page.getByTestId("webhook-url").inputValue();
  expect(url).toMatch(/\/api\/webhooks\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("webhook-secret-masked")).not.toContainText(WHSEC);
  await page.screenshot({ path: "test-results/webhooks-connection.png", fullPage: true });

  // A delivery signed by stripe's own test helper; a tampered copy is refused.
  const payload = JSON.stringify({ id: "evt_e2e_1", object: "event", type: "invoice.paid", data: { object: { id: "in_1", amount_paid: 4200, client_secret: "pi_secret_should_not_show" } } });
  const header = await stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: WHSEC });
  const ok = await request.post(url, { headers: { "content-type": "application/json", "stripe-signature": header }, data: payload });
  expect(ok.status()).toBe(202);
  expect(await ok.json()).toEqual({ received: true, duplicate: false });
  const again = await request.post(url, { headers: { "content-type": "application/json", "stripe-signature": header }, data: payload });
  expect(await again.json()).toEqual({ received: true, duplicate: true });
  const forged = await request.post(url, { headers: { "content-type": "application/json", "stripe-signature": header }, data: payload.replace("4200", "1") });
  expect(forged.status()).toBe(401);

  // Send test event from the card: signed with the connection's own secret, through the same path.
  await page.getByRole("button", { name: "Send test event" }).click();
  await expect(page.getByTestId("test-webhook-result")).toContainText("verified and stored");

  await page.goto("/webhooks");
  const table = page.getByRole("table", { name: "Inbound webhook events" });
  const row = table.getByRole("row").filter({ hasText: "invoice.paid" });
  await expect(row).toHaveCount(1);
  await expect(table.getByRole("row").filter({ hasText: "patchbay.test" })).toHaveCount(1);
  // The worker processes it (the page refreshes while events are pending).
  await expect(row.getByTestId("event-status")).toHaveText("processed", { timeout: 20_000 });
  await page.screenshot({ path: "test-results/webhooks-table.png", fullPage: true });

  await row.getByTestId("event-link").click();
  await expect(page.getByRole("heading", { name: "invoice.paid" })).toBeVisible();
  const shown = page.getByTestId("event-payload");
  await expect(shown).toContainText('"amount_paid": 4200');
  await expect(shown).toContainText('"client_secret": "[redacted]"');
  await expect(shown).not.toContainText("pi_secret_should_not_show");
  await expect(page.getByText("[redacted]").first()).toBeVisible();
  await page.screenshot({ path: "test-results/webhooks-event.png", fullPage: true });

  await expect(page.getByTestId("event-attempts")).toHaveText("1");
  await page.getByRole("button", { name: "Replay event" }).click();
  await expect(page.getByTestId("event-attempts")).toHaveText("2", { timeout: 20_000 });
  await expect(page.getByTestId("event-status")).toHaveText("processed", { timeout: 20_000 });
});
