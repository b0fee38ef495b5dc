import { randomBytes } from "node:crypto";
import { Shell, SignInPage, expect, signInAsOwner, test } from "./fixtures";

test.describe.configure({ mode: "serial" });

const QUEUES = ["health-tick", "health-check", "token-refresh-tick", "token-refresh", "key-rotation", "alert-deliver", "maintenance"];
const HELPER = { name: "Mia Member", email: `mia-${randomBytes(3).toString("hex")}@acme.test`, password: "member-password-9" };

test("an owner sees every queue with its counts, for the organization and for the whole platform", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto("/settings/organization");
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Jobs" }).click();
  await expect(page).toHaveURL(/\/settings\/jobs$/);

  const queues = page.getByRole("table", { name: "Queues" });
  for (const name of QUEUES) {
    const row = queues.locator(`tr[data-queue="${name}"]`);
    await expect(row).toBeVisible();
    // Ready, deferred, running, failed, dead-lettered: five numbers.
    await expect(row.locator("td.text-right span.tabular-nums")).toHaveCount(5);
  }
  await expect(queues.locator('tr[data-queue="alert-deliver"]')).toContainText("Send one health alert");
  await expect(page.getByText(/worker process(es)? (is|are) running/)).toBeVisible();
  await expect(page.getByText("Failed and dead-lettered jobs", { exact: true })).toBeVisible();
  await expect(page.getByText("No failed jobs")).toBeVisible();
  await page.screenshot({ path: "test-results/jobs-organization.png", fullPage: true });

  // The owner of the first organization is the platform admin: the whole-platform view includes the scheduled ticks.
  await page.getByRole("link", { name: "Whole platform" }).click();
  await expect(page).toHaveURL(/scope=platform/);
  await expect(page.getByText("Every job on this Patchbay")).toBeVisible();
  await expect(page.getByRole("link", { name: "Whole platform" })).toHaveAttribute("aria-current", "page");
  await expect(queues.locator('tr[data-queue="health-tick"]')).toBeVisible();
  await page.screenshot({ path: "test-results/jobs-platform.png", fullPage: true });
});

test("a member is told the job queues are for admins", async ({ page, members }) => {
  await signInAsOwner(page);
  await members.open();
  await members.addWithPassword(HELPER, "member");
  await expect(page.getByTestId(`member-${HELPER.email}`)).toBeVisible();
  await new Shell(page).signOut();
  await new SignInPage(page).signIn(HELPER.email, HELPER.password);
  await expect(page.getByTestId("user-menu")).toBeVisible();
  await page.goto("/settings/jobs");
  await expect(page.getByText(/Only admins and owners can see and retry the background jobs/)).toBeVisible();
  await expect(page.getByRole("table", { name: "Queues" })).toHaveCount(0);
});

test("operators get readiness and Prometheus metrics", async ({ request }) => {
  const ready = await request.get("/api/health?ready=1");
  expect(ready.status()).toBe(200);
  expect(await ready.json()).toMatchObject({ status: "ok", checks: { database: { ok: true }, migrations: { ok: true }, jobQueue: { ok: true }, workers: { ok: true } } });
  const metrics = await request.get("/api/metrics");
  expect(metrics.status()).toBe(200);
  const text = await metrics.text();
  expect(text).toMatch(/^patchbay_workers_alive 1$/m);
  expect(text).toMatch(/^patchbay_jobs\{queue="health-check",state="queued"\} \d+$/m);
});
