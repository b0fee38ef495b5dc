import { describe, expect, it } from "vitest";
import { createAlertChannelSchema, parseEmailRecipients, parseSlackChannel } from "./alerts";

describe("parseEmailRecipients", () => {
  it("accepts a comma list, trims, lowercases and drops duplicates", () => {
    expect(parseEmailRecipients(" Ops@Acme.test, oncall@acme.test,ops@acme.test ")).toEqual({ ok: true, value: ["ops@acme.test", "oncall@acme.test"] });
    expect(parseEmailRecipients("a@x.test; b@x.test")).toEqual({ ok: true, value: ["a@x.test", "b@x.test"] });
  });
  it("names the entries that are not addresses", () => {
    const r = parseEmailRecipients("ops@acme.test, not-an-email, @x");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toBe("These are not email addresses: not-an-email, @x. Separate addresses with commas.");
    expect(parseEmailRecipients("  ,  ")).toEqual({ ok: false, message: "Enter at least one email address." });
  });
  it("caps the number of recipients", () => {
    const many = Array.from({ length: 21 }, (_, i) => `u${i}@x.test`).join(",");
    expect(parseEmailRecipients(many).ok).toBe(false);
  });
});

describe("parseSlackChannel", () => {
  it("accepts #names (adding the # when missing) and channel ids", () => {
    expect(parseSlackChannel("#ops")).toEqual({ ok: true, value: "#ops" });
    expect(parseSlackChannel("ops-alerts")).toEqual({ ok: true, value: "#ops-alerts" });
    expect(parseSlackChannel("C0123ABCD")).toEqual({ ok: true, value: "C0123ABCD" });
  });
  it("refuses empty, uppercase and invalid names with a hint", () => {
    expect(parseSlackChannel("").ok).toBe(false);
    expect(parseSlackChannel("#Ops")).toEqual({ ok: false, message: "Slack channel names are lowercase. Enter it as it appears in Slack, like #ops." });
    expect(parseSlackChannel("#ops room").ok).toBe(false);
  });
});

describe("createAlertChannelSchema", () => {
  it("requires a connection and defaults the target", () => {
    expect(createAlertChannelSchema.parse({ orgId: "o", connectionId: "c" })).toEqual({ orgId: "o", connectionId: "c", target: "" });
    expect(createAlertChannelSchema.safeParse({ orgId: "o", connectionId: "" }).error?.issues[0]?.message).toBe("Choose a connection.");
  });
});
