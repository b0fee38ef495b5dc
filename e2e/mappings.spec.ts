import http from "node:http";
import { clickUntilVisible, expect, signInAsOwner, test } from "./fixtures";
import type { Page } from "@playwright/test";

// A local REST API for the connection's "test before save" (an API-key connection is the simplest
// one the app creates without an OAuth round trip). No sync runs here: the editor starts from a
// pasted sample record, as a user does before the first sync.
let server: http.Server;
let port = 0;

test.beforeAll(async () => {
  server = http.createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ account: "acme" })));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as { port: number }).port;
});
test.afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const samples = [
  { id: "501", properties: { email: " Ada@Example.COM ", firstname: "Ada", lastname: "Lovelace" }, archived: false },
  { id: "502", properties: { email: "not-an-email", firstname: "Bob", lastname: "Broken" }, archived: false },
  { id: "503", properties: { firstname: "Cy" }, archived: true },
];

class MappingEditorPage {
  constructor(private page: Page) {}
  target(field: string) {
    return this.page.getByTestId(`target-${field}`);
  }
  async connect(field: string, source: string) {
    await this.page.getByLabel(`Source for ${field}`).selectOption(source);
  }
  async open(field: string) {
    await this.page.getByRole("button", { name: `Open ${field}` }).click();
    return this.target(field).getByTestId("rule-editor");
  }
  preview() {
    return this.page.getByTestId("mapping-preview");
  }
  cell(field: string, column: number) {
    return this.preview().locator(`td[data-field="${field}"]`).nth(column);
  }
}

test("build a mapping in the editor with a live preview, save a version, activate it and save it as a template", async ({ page }) => {
  await signInAsOwner(page);

  // A connection of the organization.
  await page.goto("/connections/new?provider=custom-api-key");
  await page.getByLabel("Connection name").fill("CRM API");
  await page.getByLabel("Service name (optional)").fill("CRM API");
  await page.getByLabel("Base URL").fill(`http://localhost:${port}`);
  await page.getByLabel("Test path (optional)").fill("/me");
  await page.getByRole("textbox", { name: "API key" }).fill("good-key-0123456789");
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
  const connectionId = page.url().split("/").pop()!;

  // New mapping for its "people" stream → Contact, blank.
  await page.goto("/mappings");
  const dialog = page.getByRole("dialog");
  await clickUntilVisible(page.getByRole("button", { name: "New mapping" }), dialog);
  await dialog.getByLabel("Connection").selectOption({ label: "CRM API (Custom REST API (API key))" });
  await dialog.getByLabel("Entity (stream)").fill("people");
  await dialog.getByLabel("Target schema").selectOption("contact");
  await dialog.getByRole("button", { name: "Create mapping" }).click();
  await expect(page).toHaveURL(/\/mappings\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: "CRM API · people → Contact" })).toBeVisible();

  // No stored records yet: paste samples; their fields are discovered with coverage.
  await page.getByLabel("Paste a sample JSON record").fill("{ not json");
  await page.getByRole("button", { name: "Use sample" }).click();
  await expect(page.getByText(/Not valid JSON/)).toBeVisible();
  await page.getByLabel("Paste a sample JSON record").fill(JSON.stringify(samples));
  await page.getByRole("button", { name: "Use sample" }).click();
  const sources = page.getByTestId("source-fields");
  await expect(sources.getByText("properties.email")).toBeVisible();
  await expect(sources.locator("li", { hasText: "properties.email" })).toContainText("67%");

  const editor = new MappingEditorPage(page);
  // The required externalId is flagged on every preview record until it is mapped.
  await expect(editor.cell("externalId", 0)).toContainText("no rule maps this field");
  await editor.connect("externalId", "id");
  await editor.connect("email", "properties.email");
  await editor.connect("firstName", "properties.firstname");
  await editor.connect("lastName", "properties.lastname");
  await editor.connect("archived", "archived");
  await expect(editor.cell("externalId", 0)).toHaveText("501");
  await expect(editor.cell("email", 0)).toHaveText("Ada@Example.COM");
  await expect(editor.cell("email", 1)).toContainText('"not-an-email" is not an email address.');
  await expect(editor.cell("email", 1)).toHaveAttribute("data-testid", "preview-error");

  // Transform pipeline on email: lower case (trim is what the email type does already).
  const rule = await editor.open("email");
  await rule.getByLabel("Step to add").selectOption("lower");
  await rule.getByRole("button", { name: "Add step" }).click();
  await expect(editor.cell("email", 0)).toHaveText("ada@example.com");

  // A full name from a template string, and a validation error shown on its field.
  await editor.connect("fullName", "properties.firstname");
  const full = await editor.open("fullName");
  await full.getByLabel("Step to add").selectOption("template");
  await full.getByRole("button", { name: "Add step" }).click();
  await full.getByPlaceholder("{{properties.firstname}} {{properties.lastname}}").fill("{{properties.firstname}} {{properties.lastname}}");
  await expect(editor.cell("fullName", 0)).toHaveText("Ada Lovelace");
  await full.getByLabel("Source path").fill("properties..firstname");
  await expect(full.getByTestId("field-error").first()).toContainText("Empty segment");
  await expect(page.getByRole("button", { name: "Save version" })).toBeDisabled();
  await full.getByLabel("Source path").fill("properties.firstname");
  await expect(page.getByRole("button", { name: "Save version" })).toBeEnabled();

  await page.screenshot({ path: "test-results/mapping-editor.png", fullPage: true });

  // Save → version 1; activate it (dry run first: no stored records yet).
  await page.getByLabel("Version note").fill("first cut");
  await page.getByRole("button", { name: "Save version" }).click();
  await expect(page.getByTestId("versions")).toContainText("Version 1");
  await expect(page.getByTestId("versions")).toContainText("first cut");
  await page.getByTestId("versions").getByRole("button", { name: "Activate" }).click();
  const activate = page.getByRole("dialog");
  await expect(activate.getByTestId("dry-run")).toContainText("There are no stored records yet");
  await activate.getByRole("button", { name: "Activate version 1" }).click();
  await expect(page.getByTestId("versions").getByText("Active")).toBeVisible();

  // Save as template; it is listed with the templates.
  await page.getByRole("button", { name: "Save as template" }).click();
  const tpl = page.getByRole("dialog");
  await tpl.getByLabel("Template name").fill("CRM people → Contact");
  await tpl.getByRole("button", { name: "Save template" }).click();
  await expect(tpl).toBeHidden();
  await page.goto("/mappings");
  await expect(page.getByTestId("templates")).toContainText("CRM people → Contact");
  await expect(page.getByTestId("templates")).toContainText("HubSpot contacts → Contact");
  const row = page.getByTestId("mappings-table").getByRole("row", { name: /CRM API · people/ });
  await expect(row).toContainText("Contact");
  await expect(row).toContainText("v1");
  await page.screenshot({ path: "test-results/mappings-list.png", fullPage: true });

  // The connection's Sync tab lists the mapping of its stream.
  await page.goto(`/connections/${connectionId}/sync`);
  const card = page.getByTestId("connection-mappings");
  await expect(card.getByRole("link", { name: "people → Contact" })).toBeVisible();
  await expect(card).toContainText("v1 active");
});

test("define a custom target schema; problems are shown on their field", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto("/mappings");
  const dialog = page.getByRole("dialog");
  await clickUntilVisible(page.getByRole("button", { name: "New target schema" }), dialog);
  await dialog.getByRole("textbox", { name: "Name", exact: true }).fill("Ticket");
  await dialog.getByRole("textbox", { name: "Key", exact: true }).fill("ticket");
  await dialog.getByRole("button", { name: "Add field" }).click();
  await dialog.getByLabel("Field 2 name").fill("priority");
  await dialog.getByLabel("Field 2 type").selectOption("enum");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.getByText("An enum field needs its values.")).toBeVisible();
  await dialog.getByLabel("Field 2 values").fill("low, high");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog).toBeHidden();
  const schemas = page.getByTestId("target-schemas");
  await expect(schemas).toContainText("Ticket");
  await expect(schemas).toContainText("priority: enum");
  await expect(schemas).toContainText("externalId*: string");
});
