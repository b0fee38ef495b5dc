// Runs after foundation.spec.ts (file order): first-run setup belongs to that spec.
import http from "node:http";
import { expect, signInAsOwner, test } from "./fixtures";

// A local stand-in for a REST API that takes an API key in X-API-Key and answers 401 with a JSON
// error body when the key is wrong, as most such APIs document.
let server: http.Server;
let port = 0;
const seenKeys: string[] = [];

test.beforeAll(async () => {
  server = http.createServer((req, res) => {
    const key = String(req.headers["x-api-key"] ?? "");
    seenKeys.push(key);
    if (key === "good-key-0123456789") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ account: "acme" }));
    } else {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "invalid_api_key", message: "The API key is not valid for this account." }));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as { port: number }).port;
});
test.afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

test("an API-key connection with a bad key is refused on the form with the provider's own error", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto("/connections/new?provider=custom-api-key");
  await page.getByLabel("Connection name").fill("Billing API");
  await page.getByLabel("Service name (optional)").fill("Billing API");
  await page.getByLabel("Base URL").fill(`http://localhost:${port}`);
  await page.getByLabel("Test path (optional)").fill("/me");
  await page.getByRole("textbox", { name: "API key" }).fill("wrong-key-000000000");
  await page.getByRole("button", { name: "Create connection" }).click();
  // The provider's own answer, on the API key field.
  const fieldError = page.locator("#f-apiKey-error");
  await expect(fieldError).toContainText("answered 401");
  await expect(fieldError).toContainText("The API key is not valid for this account.");
  expect(seenKeys).toContain("wrong-key-000000000");
  await expect(page).toHaveURL(/\/connections\/new/);

  await page.getByRole("textbox", { name: "API key" }).fill("good-key-0123456789");
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("connection-status")).toHaveText("Active");
});
