// The health dashboard: summary cards, URL-kept filters and sort, "Check now", the per-connection
// view with its chart and check interval. Creates its own connections against a local API.
import http from "node:http";
import { clickUntilVisible, expect, signInAsOwner, test } from "./fixtures";
import type { Page } from "@playwright/test";

const KEY = "health-key-0123456789";
let server: http.Server;
let port = 0;
// Bravo's API starts healthy and then starts refusing every request (a non-retryable 400).
let bravoDown = false;

test.beforeAll(async () => {
  server = http.createServer((req, res) => {
    const ok = req.headers["x-api-key"] === KEY && !(req.url?.startsWith("/bravo") && bravoDown);
    if (ok) res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
    else res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "bad_request", message: "Bravo is refusing requests today." }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as { port: number }).port;
});
test.afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

async function createConnection(page: Page, name: string, path: string): Promise<string> {
  await page.goto("/connections/new?provider=custom-api-key");
  await page.getByLabel("Connection name").fill(name);
  await page.getByLabel("Base URL").fill(`http://localhost:${port}${path}`);
  await page.getByLabel("Test path (optional)").fill("/me");
  await page.getByRole("textbox", { name: "API key" }).fill(KEY);
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
  return page.url().split("/").at(-1)!;
}

const row = (page: Page, name: string) => page.getByRole("row").filter({ has: page.getByRole("link", { name, exact: true }) });

test("health dashboard: cards, filters and sort in the URL, check now, per-connection chart and interval", async ({ page }) => {
  await signInAsOwner(page);
  const alphaId = await createConnection(page, "Health Alpha", "/alpha");
  await createConnection(page, "Health Bravo", "/bravo");
  // The connection page links to its health view.
  await expect(page.getByTestId("health-link")).toHaveAttribute("href", /\/health\/[0-9a-f-]{36}$/);
  bravoDown = true;

  await page.goto("/health");
  await expect(page.getByRole("heading", { name: "Health" })).toBeVisible();
  await expect(page.getByTestId("summary-healthy")).toBeVisible();
  await expect(page.getByTestId("summary-disconnected")).toBeVisible();

  const alpha = row(page, "Health Alpha");
  await alpha.getByTestId("check-now").click();
  await expect(page.getByText(/Health Alpha: check passed in \d+ ms\./).first()).toBeVisible();
  await expect(alpha.getByTestId("health-status")).toHaveText("Healthy");

  // Two failed checks in a row: degraded, then failing (the scheduler may add its own failures).
  const bravo = row(page, "Health Bravo");
  for (let i = 0; i < 2; i++) {
    await bravo.getByTestId("check-now").click();
    await expect(page.getByText(/Health Bravo: check failed after \d+ ms\./).first()).toBeVisible();
    await expect(bravo.getByTestId("check-now")).toBeEnabled();
  }
  await expect(bravo.getByTestId("health-status")).toHaveText("Failing");
  await expect(page.getByTestId("summary-failing").getByTestId("summary-count")).not.toHaveText("0");

  // A summary card filters the table.
  await page.getByTestId("summary-failing").click();
  await expect(page).toHaveURL(/[?&]status=failing/);
  await expect(row(page, "Health Bravo")).toBeVisible();
  await expect(row(page, "Health Alpha")).toHaveCount(0);

  // Name search and a sort join the filter in the URL.
  await page.getByRole("searchbox", { name: "Name" }).fill("Health");
  await expect(page).toHaveURL(/[?&]q=Health/);
  // The first click's direction depends on the column's values (TanStack's auto); the second flips it.
  await page.getByRole("button", { name: /^p95/ }).click();
  await expect(page).toHaveURL(/[?&]sort=p95\.(asc|desc)/);
  const first = new URL(page.url()).searchParams.get("sort");
  const second = first === "p95.asc" ? "descending" : "ascending";
  await page.getByRole("button", { name: /^p95/ }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]sort=p95\\.${second === "ascending" ? "asc" : "desc"}`));
  await expect(page).toHaveURL(/[?&]status=failing/);

  // A reload keeps all of it.
  await page.reload();
  await expect(page.getByRole("searchbox", { name: "Name" })).toHaveValue("Health");
  await expect(page.getByRole("combobox", { name: "Status" })).toContainText("Failing");
  await expect(page.getByRole("columnheader", { name: /^p95/ })).toHaveAttribute("aria-sort", second);
  await expect(row(page, "Health Bravo")).toBeVisible();
  await expect(row(page, "Health Alpha")).toHaveCount(0);

  // Status filter through the select: healthy shows Alpha and not Bravo.
  await clickUntilVisible(page.getByRole("combobox", { name: "Status" }), page.getByRole("option", { name: "Healthy" }));
  await page.getByRole("option", { name: "Healthy" }).click();
  await expect(page).toHaveURL(/[?&]status=healthy/);
  await expect(row(page, "Health Alpha")).toBeVisible();
  await expect(row(page, "Health Bravo")).toHaveCount(0);

  await page.goto("/health");
  await expect(row(page, "Health Bravo")).toBeVisible();
  await page.screenshot({ path: "test-results/health-dashboard-light.png", fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: "test-results/health-dashboard-dark.png", fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });

  // The per-connection view: chart over 24 h and 7 d, the checks just made, the interval.
  await alpha.getByRole("link", { name: "Health Alpha" }).click();
  await expect(page).toHaveURL(new RegExp(`/health/${alphaId}$`));
  await expect(page.getByTestId("health-chart").locator("svg.recharts-surface[role=application] .recharts-line-dot").first()).toBeVisible();
  await expect(page.getByRole("table", { name: "Recent checks and calls" }).getByRole("row").filter({ hasText: "manual" }).first()).toBeVisible();
  await expect(page.getByTestId("last-check")).toContainText("Passed");
  await page.getByRole("link", { name: "7 d" }).click();
  await expect(page).toHaveURL(/[?&]range=7d/);
  await expect(page.getByRole("link", { name: "7 d" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("health-chart").locator("svg.recharts-surface[role=application] .recharts-line-dot").first()).toBeVisible();
  await page.reload();
  await expect(page.getByRole("link", { name: "7 d" })).toHaveAttribute("aria-current", "page");

  await page.getByLabel("Check interval").selectOption({ label: "Every hour" });
  await page.getByRole("button", { name: "Save interval" }).click();
  await expect(page.getByText("Checked every 1 h from now on.")).toBeVisible();
  await expect(page.getByTestId("schedule")).toContainText("every 1 h");
  await page.screenshot({ path: "test-results/health-detail-light.png", fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: "test-results/health-detail-dark.png", fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });

  // Manual checks and the interval change are in the audit log.
  await page.goto("/settings/audit?action=connection.check");
  await expect(page.getByText("connection.checked").first()).toBeVisible();
  await expect(page.getByText("connection.check_interval_changed").first()).toBeVisible();
});
