import type { GenericHmacConfig, WebhookScheme } from "@/lib/catalog/define-provider";
import { verifyGenericHmac } from "./hmac";
import { verifyGithub } from "./github";
import { verifyPagerduty } from "./pagerduty";
import { fail, type VerifyInput, type VerifyResult } from "./shared";
import { verifySlack } from "./slack";
import { verifyStandard } from "./standard";
import { verifyStripe } from "./stripe";
import { verifyTwilio } from "./twilio";

export type { VerifyInput, VerifyResult } from "./shared";

/**
 * Verify a delivery with its scheme. Never throws: malformed input of any kind is a failed
 * verification with a reason (a 401 for the sender, never a 500).
 */
export function verifyWebhook(scheme: WebhookScheme, input: VerifyInput & { url: string; hmac?: GenericHmacConfig }): VerifyResult {
  try {
    switch (scheme) {
      case "github":
        return verifyGithub(input);
      case "slack":
        return verifySlack(input);
      case "stripe":
        return verifyStripe(input);
      case "pagerduty":
        return verifyPagerduty(input);
      case "standard":
        return verifyStandard(input);
      case "twilio":
        return verifyTwilio(input);
      case "hmac":
        return input.hmac ? verifyGenericHmac(input, input.hmac) : fail("This connection has no HMAC signature settings.");
    }
  } catch {
    return fail("The signature headers could not be read.");
  }
}
