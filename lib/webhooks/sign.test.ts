import { describe, expect, it } from "vitest";
import { verify as githubVerify } from "@octokit/webhooks-methods";
import Stripe from "stripe";
import { Webhook } from "standardwebhooks";
import twilio from "twilio";
import { signTestEvent } from "./sign";

// "Send test event" signs with our own code; the official libraries must accept what it produces.
describe("test events are accepted by the official verifiers", () => {
  const url = "https://hub.example.com/api/webhooks/abc";
  it("GitHub", async () => {
    const s = signTestEvent("github", "gh", url);
    expect(await githubVerify("gh", s.body, s.headers["x-hub-signature-256"]!)).toBe(true);
  });
  it("Stripe", async () => {
    const s = signTestEvent("stripe", "whsec_abc", url);
    const event = await new Stripe("sk_test_x").webhooks.constructEventAsync(s.body, s.headers["stripe-signature"]!, "whsec_abc");
    expect(event.type).toBe("patchbay.test");
  });
  it("Standard Webhooks", () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const s = signTestEvent("standard", secret, url);
    expect(new Webhook(secret).verify(s.body, s.headers)).toMatchObject({ type: "patchbay.test" });
  });
  it("Twilio", () => {
    const s = signTestEvent("twilio", "0123456789abcdef0123456789abcdef", url);
    expect(twilio.validateRequest("0123456789abcdef0123456789abcdef", s.headers["x-twilio-signature"]!, url, Object.fromEntries(new URLSearchParams(s.body)))).toBe(true);
  });
});
