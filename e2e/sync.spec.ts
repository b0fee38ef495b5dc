// Sync end to end: a generic REST stream on an API-key connection pointed at a local fake API is
// added on the connection's Sync tab, "Sync now" runs it in the worker (live progress, run
// history), and the records browser lists the records and opens one (raw vs mapped).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, signInAsOwner, test } from "./fixtures";

/** 45 tickets, 20 per page, link-header pagination; each page answers after 300 ms so progress is visible. */
async function startTicketsApi() {
  const tickets = Array.from({ length: 45 }, (_, i) => ({ id: `T-${1000 + i}`, subject: `Printer on floor ${i % 7} is jammed`, status: i % 3 ? "open" : "closed", updated_at: new Date(Date.UTC(2026, 10, 1, 9, i)).toISOString() }));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.headers["x-api-key"] !== "e2e-tickets-key") {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "bad key" }));
      return;
    }
    const page = Number(url.searchParams.get("page") ?? 1);
    const slice = tickets.slice((page - 1) * 20, page * 20);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (page * 20 < tickets.length) headers.link = `<http://127.0.0.1:${(server.address() as AddressInfo).port}/api/tickets?page=${page + 1}>; rel="next"`;
    setTimeout(() => res.writeHead(200, headers).end(JSON.stringify({ tickets: slice })), 300);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test("a generic REST stream syncs from a fake API, shows progress and history, and its records open raw vs mapped", async ({ page }) => {
  test.setTimeout(90_000);
  const api = await startTicketsApi();
  try {
    await signInAsOwner(page);
    await page.goto("/connections/new?provider=custom-api-key");
    await page.getByLabel("Connection name").fill("Helpdesk API");
    await page.getByLabel("Service name").fill("Helpdesk");
    await page.getByLabel("Base URL").fill(api.url);
    await page.getByRole("textbox", { name: "API key" }).fill("e2e-tickets-key");
    await page.getByLabel(/Test the connection before saving/).uncheck();
    await page.getByRole("button", { name: "Create connection" }).click();
    await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);

    await page.getByTestId("tab-sync").click();
    await expect(page.getByRole("heading", { name: "Helpdesk API: sync" })).toBeVisible();

    // The form says what is wrong, per field.
    const form = page.getByTestId("generic-stream-form");
    await form.getByLabel("Entity name").fill("9 tickets");
    await form.getByLabel("Endpoint path").fill("api/tickets");
    await form.getByRole("button", { name: "Add stream" }).click();
    await expect(form.getByText("The entity name starts with a letter")).toBeVisible();
    await expect(form.getByText("The path starts with /")).toBeVisible();

    await form.getByLabel("Entity name").fill("tickets");
    await form.getByLabel("Endpoint path").fill("/api/tickets");
    await form.getByLabel("Records path").fill("tickets");
    await form.getByLabel("Updated-at path").fill("updated_at");
    await form.getByRole("button", { name: "Add stream" }).click();
    const row = page.getByTestId("stream-tickets");
    await expect(row).toBeVisible();
    await expect(row).toContainText("GET /api/tickets");

    await page.getByLabel("Requests per second").fill("abc");
    await page.getByRole("button", { name: "Save limit" }).click();
    await expect(page.getByText("Enter a number of requests per second.")).toBeVisible();
    await page.getByLabel("Requests per second").fill("20");
    await page.getByRole("button", { name: "Save limit" }).click();
    await expect(page.getByText("Calls limited to 20 per second.")).toBeVisible();

    await row.getByTestId("sync-full-tickets").click();
    // Live progress while the worker pages through, then the finished run.
    await expect(row.getByTestId("run-status")).toHaveText(/queued|running/);
    await expect(row.getByTestId("run-status")).toHaveText("succeeded", { timeout: 30_000 });
    await expect(row.getByTestId("progress-tickets")).toContainText("45 records");
    const history = page.getByRole("table", { name: "Sync runs" });
    const run = history.getByRole("row").filter({ hasText: "succeeded" });
    await expect(run).toHaveCount(1);
    await expect(run).toContainText("full");
    await expect(run).toContainText("manual");
    // Schedule the stream: the next run time shows.
    await row.getByLabel("Schedule of tickets").selectOption("15");
    await expect(page.getByText("tickets sync is on, every 15 min.")).toBeVisible();
    await expect(row).toContainText("Next ");
    await page.screenshot({ path: "test-results/sync-tab.png", fullPage: true });

    await page.getByTestId("records-link").click();
    await expect(page).toHaveURL(/\/records\?connection=/);
    const records = page.getByRole("table", { name: "Synced records" });
    await expect(records.getByTestId("record-link")).toHaveCount(20);
    await page.getByPlaceholder("Search id or content").fill("T-1007");
    await expect(records.getByTestId("record-link")).toHaveCount(1);
    await expect(page).toHaveURL(/q=T-1007/);
    await page.screenshot({ path: "test-results/sync-records.png", fullPage: true });
    await records.getByTestId("record-link").click();
    await expect(page.getByRole("heading", { name: "tickets T-1007" })).toBeVisible();
    await expect(page.getByTestId("raw-json")).toContainText('"subject": "Printer on floor 0 is jammed"');
    await expect(page.getByTestId("mapped-json")).toBeVisible();
    await page.screenshot({ path: "test-results/sync-record.png", fullPage: true });
  } finally {
    await api.close();
  }
});
