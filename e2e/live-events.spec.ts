// Live updates: /api/events refuses anonymous and foreign-organization requests; the Health page
// follows a status change made elsewhere (another tab) without a reload, shows that it is live,
// and streams are released when a page goes away.
import http from "node:http";
import { expect, signInAsOwner, test } from "./fixtures";
import type { Page } from "@playwright/test";

const KEY = "live-key-0123456789";
let server: http.Server;
let port = 0;
let down = false;

test.beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.headers["x-api-key"] === KEY && !down) res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
    else res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "bad_request", message: "Refusing requests today." }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as { port: number }).port;
});
test.afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

async function createConnection(page: Page, name: string): Promise<string> {
  await page.goto("/connections/new?provider=custom-api-key");
  await page.getByLabel("Connection name").fill(name);
  await page.getByLabel("Base URL").fill(`http://localhost:${port}/live`);
  await page.getByLabel("Test path (optional)").fill("/me");
  await page.getByRole("textbox", { name: "API key" }).fill(KEY);
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
  return page.url().split("/").at(-1)!;
}

const row = (page: Page, name: string) => page.getByRole("row").filter({ has: page.getByRole("link", { name, exact: true }) });

test("the event stream refuses requests without a session or for another organization", async ({ page, playwright }) => {
  const anonymous = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  const res = await anonymous.get("/api/events");
  expect(res.status()).toBe(401);
  expect(await res.json()).toMatchObject({ error: { code: "unauthorized", message: "Sign in to receive live updates." } });
  await anonymous.dispose();

  await signInAsOwner(page);
  const foreign = await page.request.get("/api/events?orgId=00000000-0000-4000-8000-000000000000");
  expect(foreign.status()).toBe(404);
  expect(await foreign.json()).toMatchObject({ error: { code: "not_found" } });
});

test("the Health page follows a status change made in another tab without reloading", async ({ page, context }) => {
  await signInAsOwner(page);
  const id = await createConnection(page, "Live Echo");

  await page.goto("/health");
  const indicator = page.getByTestId("live-indicator");
  await expect(indicator).toHaveAttribute("data-state", "connected");
  await expect(indicator).toHaveText("Live");
  // Marks this document: a reload or a full navigation would drop it.
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

  // Another tab checks the connection: first healthy, then its API starts refusing.
  const other = await context.newPage();
  await other.goto(`/health/${id}`);
  await expect(other.getByTestId("live-indicator")).toHaveAttribute("data-state", "connected");
  await other.getByTestId("check-now").click();
  await expect(other.getByText(/Live Echo: check passed in \d+ ms\./).first()).toBeVisible();
  await expect(row(page, "Live Echo").getByTestId("health-status")).toHaveText("Healthy");

  down = true;
  await other.getByTestId("check-now").click();
  await expect(other.getByText(/Live Echo: check failed after \d+ ms\./).first()).toBeVisible();
  // One failure is degraded (the scheduler may have added one more: failing).
  await expect(row(page, "Live Echo").getByTestId("health-status")).toHaveText(/^(Degraded|Failing)$/);
  const summary = async () => Number(await page.getByTestId("summary-degraded").getByTestId("summary-count").textContent()) + Number(await page.getByTestId("summary-failing").getByTestId("summary-count").textContent());
  expect(await summary()).toBeGreaterThan(0);
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  await page.screenshot({ path: "test-results/live-health-light.png", fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: "test-results/live-health-dark.png", fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });
  await other.close();
  down = false;
});

test("streams are released when pages go away (no more than the per-user limit ever piles up)", async ({ page }) => {
  await signInAsOwner(page);
  // The server allows 10 open streams per user: if leaving a page leaked its stream, the
  // eleventh live page would be refused and never show "Live". In-app navigation unmounts the
  // indicator (the browser closes its EventSource) just as closing a tab does.
  const nav = page.getByRole("navigation", { name: "Main" });
  await page.goto("/health");
  await expect(page.getByTestId("live-indicator")).toHaveAttribute("data-state", "connected");
  for (let i = 1; i <= 11; i++) {
    const to = i % 2 ? { link: "Home", url: /\/$/ } : { link: "Health", url: /\/health$/ };
    await nav.getByRole("link", { name: to.link, exact: true }).click();
    await expect(page).toHaveURL(to.url);
    await expect(page.getByTestId("live-indicator")).toHaveAttribute("data-state", "connected");
  }
  await page.screenshot({ path: "test-results/live-home.png", fullPage: true });
});
