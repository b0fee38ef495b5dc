import { describe, expect, it } from "vitest";
import { alertBaseUrl, buildAlertMessage, type AlertFacts } from "./alert-message";

const facts = (over: Partial<AlertFacts> = {}): AlertFacts => ({
  changeId: 42,
  org: { id: "org1", name: "Acme" },
  connection: { id: "c1", name: "Billing <API> & co", providerKey: "custom-api-key", providerName: "Custom API key" },
  from: "degraded",
  to: "failing",
  reason: "The last 2 checks failed.",
  at: new Date("2025-03-04T05:06:07.890Z"),
  link: "http://localhost:3223/connections/c1",
  ...over,
});

describe("buildAlertMessage", () => {
  it("says what changed, why, when, and links to the connection", () => {
    const m = buildAlertMessage(facts());
    expect(m.subject).toBe("[Patchbay] Billing <API> & co is failing");
    expect(m.text).toContain("Billing <API> & co (Custom API key (custom-api-key)) in Acme changed from degraded to failing.");
    expect(m.text).toContain("Reason: The last 2 checks failed.");
    expect(m.text).toContain("When: 2025-03-04 05:06:07 UTC");
    expect(m.text).toContain("Open the connection: http://localhost:3223/connections/c1");
  });

  it("escapes user-provided names in HTML and Slack mrkdwn", () => {
    const m = buildAlertMessage(facts());
    expect(m.html).toContain("<strong>Billing &lt;API&gt; &amp; co</strong>");
    expect(m.html).not.toContain("<API>");
    expect(m.html).toContain('<a href="http://localhost:3223/connections/c1">');
    expect(m.slack).toContain("*<http://localhost:3223/connections/c1|Billing &lt;API&gt; &amp; co>*");
    expect(m.slack).toContain(":red_circle:");
  });

  it("words a recovery as such", () => {
    const m = buildAlertMessage(facts({ from: "failing", to: "healthy", reason: "The last check passed." }));
    expect(m.subject).toBe("[Patchbay] Billing <API> & co is healthy again");
    expect(m.slack).toContain(":large_green_circle:");
  });

  it("builds the webhook event with the change id, and marks test alerts", () => {
    const m = buildAlertMessage(facts());
    expect(m.webhook).toEqual({
      type: "connection.health_changed",
      timestamp: "2025-03-04T05:06:07.890Z",
      data: {
        changeId: 42,
        organization: { id: "org1", name: "Acme" },
        connection: { id: "c1", name: "Billing <API> & co", provider: "custom-api-key" },
        from: "degraded",
        to: "failing",
        reason: "The last 2 checks failed.",
        at: "2025-03-04T05:06:07.890Z",
        url: "http://localhost:3223/connections/c1",
      },
    });
    const t = buildAlertMessage(facts({ changeId: null, test: true }));
    expect(t.subject).toMatch(/^\[Patchbay test\] /);
    expect(t.text).toMatch(/^This is a test alert/);
    expect(t.webhook.data).toMatchObject({ test: true });
    expect(t.webhook.data).not.toHaveProperty("changeId");
  });

  it("leaves out an empty reason", () => {
    const m = buildAlertMessage(facts({ reason: null }));
    expect(m.text).not.toContain("Reason:");
    expect(m.html).not.toContain("Reason:");
  });
});

describe("alertBaseUrl", () => {
  it("uses AUTH_URL's origin, else localhost on the port", () => {
    expect(alertBaseUrl("https://hub.example.com/api/auth", 3000)).toBe("https://hub.example.com");
    expect(alertBaseUrl(undefined, 3223)).toBe("http://localhost:3223");
  });
});
