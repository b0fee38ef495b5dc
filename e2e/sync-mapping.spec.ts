// Issue 7 end to end: sync a stream from a local fake API, build its mapping in the editor on the
// stored records (live preview), activate it with a background re-map, save it as a template, and
// see the mapped records (and a flagged one) in the records browser, then sync again.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { clickUntilVisible, expect, signInAsOwner, test } from "./fixtures";

/** 30 people, 10 per page, link-header pagination; P-1007 has a broken email. */
async function startPeopleApi() {
  const people = Array.from({ length: 30 }, (_, i) => ({
    id: `P-${1000 + i}`,
    email: i === 7 ? "nope" : ` Person${i}@Example.COM `,
    first: `First${i}`,
    last: "Doe",
    updated_at: new Date(Date.UTC(2026, 10, 2, 8, i)).toISOString(),
  }));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.headers["x-api-key"] !== "e2e-people-key") {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "bad key" }));
      return;
    }
    const page = Number(url.searchParams.get("page") ?? 1);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (page * 10 < people.length) headers.link = `<http://127.0.0.1:${(server.address() as AddressInfo).port}/api/people?page=${page + 1}>; rel="next"`;
    res.writeHead(200, headers).end(JSON.stringify({ people: people.slice((page - 1) * 10, page * 10) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test("sync, map the stored records in the editor, activate with a re-map, save as template, browse mapped records, sync again", async ({ page }) => {
  test.setTimeout(120_000);
  const api = await startPeopleApi();
  try {
    await signInAsOwner(page);
    await page.goto("/connections/new?provider=custom-api-key");
    await page.getByLabel("Connection name").fill("People API");
    await page.getByLabel(/Service name/).fill("People");
    await page.getByLabel("Base URL").fill(api.url);
    await page.getByRole("textbox", { name: "API key" }).fill("e2e-people-key");
    await page.getByLabel(/Test the connection before saving/).uncheck();
    await page.getByRole("button", { name: "Create connection" }).click();
    await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
    const connectionId = page.url().split("/").pop()!;

    // 1. A stream, synced once: 30 raw records, nothing mapped yet.
    await page.getByTestId("tab-sync").click();
    const form = page.getByTestId("generic-stream-form");
    await form.getByLabel("Entity name").fill("people");
    await form.getByLabel("Endpoint path").fill("/api/people");
    await form.getByLabel("Records path").fill("people");
    await form.getByLabel("Updated-at path").fill("updated_at");
    await form.getByRole("button", { name: "Add stream" }).click();
    const stream = page.getByTestId("stream-people");
    await expect(stream).toBeVisible();
    await stream.getByTestId("sync-full-people").click();
    await expect(stream.getByTestId("run-status")).toHaveText("succeeded", { timeout: 30_000 });
    await expect(stream.getByTestId("progress-people")).toContainText("30 records");

    // 2. The mapping, built on the stored records.
    await page.goto("/mappings");
    const dialog = page.getByRole("dialog");
    await clickUntilVisible(page.getByRole("button", { name: "New mapping" }), dialog);
    await dialog.getByLabel("Connection").selectOption({ label: "People API (Custom REST API (API key))" });
    await dialog.getByLabel("Entity (stream)").fill("people");
    await dialog.getByLabel("Target schema").selectOption("contact");
    await dialog.getByRole("button", { name: "Create mapping" }).click();
    await expect(page).toHaveURL(/\/mappings\/[0-9a-f-]{36}$/);
    const sources = page.getByTestId("source-fields");
    await expect(sources.locator("li", { hasText: "updated_at" })).toContainText("100%");
    await page.getByLabel("Source for externalId").selectOption("id");
    await page.getByLabel("Source for email").selectOption("email");
    await page.getByLabel("Source for firstName").selectOption("first");
    await page.getByLabel("Source for lastName").selectOption("last");
    await page.getByRole("button", { name: "Open email" }).click();
    const rule = page.getByTestId("target-email").getByTestId("rule-editor");
    await rule.getByLabel("Step to add").selectOption("lower");
    await rule.getByRole("button", { name: "Add step" }).click();
    const preview = page.getByTestId("mapping-preview");
    await expect(preview.locator('td[data-field="email"]').first()).toHaveText(/^person\d+@example\.com$/);
    await expect(preview.locator('td[data-field="externalId"]').first()).toHaveText(/^P-10\d\d$/);
    await page.screenshot({ path: "test-results/sync-mapping-editor.png", fullPage: true });

    await page.getByLabel("Version note").fill("people → contacts");
    await page.getByRole("button", { name: "Save version" }).click();
    await expect(page.getByTestId("versions")).toContainText("Version 1");
    await page.getByTestId("versions").getByRole("button", { name: "Activate" }).click();
    const activate = page.getByRole("dialog");
    await expect(activate.getByTestId("dry-run")).toBeVisible();
    await expect(activate.getByLabel(/Re-map all 30 stored records/)).toBeChecked();
    await activate.getByRole("button", { name: "Activate version 1" }).click();
    await expect(page.getByTestId("versions").getByText("Active")).toBeVisible();
    // The background re-map reaches every stored record.
    await expect(page.getByTestId("remap-progress")).toContainText("30 stored records", { timeout: 30_000 });

    await page.getByRole("button", { name: "Save as template" }).click();
    const tpl = page.getByRole("dialog");
    await tpl.getByLabel("Template name").fill("People API → Contact");
    await tpl.getByRole("button", { name: "Save template" }).click();
    await expect(tpl).toBeHidden();
    await page.goto("/mappings");
    await expect(page.getByTestId("templates")).toContainText("People API → Contact");

    // 3. Mapped records in the browser; the broken one is kept, flagged on its field.
    await page.goto(`/records?connection=${connectionId}`);
    await page.getByPlaceholder("Search id or content").fill("P-1003");
    const records = page.getByRole("table", { name: "Synced records" });
    await expect(records.getByTestId("record-link")).toHaveCount(1);
    await records.getByTestId("record-link").click();
    await expect(page.getByTestId("mapped-json")).toContainText('"email": "person3@example.com"');
    await expect(page.getByTestId("mapped-json")).toContainText('"externalId": "P-1003"');
    await page.goto(`/records?connection=${connectionId}&q=P-1007`);
    await expect(records.getByTestId("record-link")).toHaveCount(1);
    await records.getByTestId("record-link").click();
    await expect(page.getByTestId("field-errors")).toContainText('"nope" is not an email address.');
    await page.screenshot({ path: "test-results/sync-mapping-record.png", fullPage: true });

    // 4. A second sync applies the active mapping; the run history shows both runs.
    await page.goto(`/connections/${connectionId}/sync`);
    await page.getByTestId("stream-people").getByTestId("sync-full-people").click();
    const history = page.getByRole("table", { name: "Sync runs" });
    await expect(history.getByRole("row").filter({ hasText: "succeeded" })).toHaveCount(2, { timeout: 30_000 });
  } finally {
    await api.close();
  }
});
