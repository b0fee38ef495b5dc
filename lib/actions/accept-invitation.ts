"use server";
import { signIn } from "@/lib/auth";
import { acceptInvitation } from "@/lib/organizations/members";
import { requestIp } from "@/lib/request";
import { actionClient } from "@/lib/safe-action";
import { acceptInviteSchema, passwordSchema } from "@/lib/schemas/account";
import { rethrowWithFieldErrors } from "./form-errors";
import { setActiveOrgCookie } from "@/lib/auth/active-org";
import { returnValidationErrors } from "next-safe-action";
import { findInvitation } from "@/lib/organizations/members";

export const acceptInvitationAction = actionClient
  .metadata({ name: "acceptInvitation" })
  .inputSchema(acceptInviteSchema)
  .action(async ({ parsedInput }) => {
    const inv = await findInvitation(parsedInput.token);
    if (inv && !inv.existingUser) {
      // A new account: same password rules as everywhere else, and a name.
      const pw = passwordSchema.safeParse(parsedInput.password);
      const errors: Record<string, { _errors: string[] }> = {};
      if (!pw.success) errors.password = { _errors: pw.error.issues.map((i) => i.message) };
      if (!parsedInput.name) errors.name = { _errors: ["Enter your name."] };
      if (Object.keys(errors).length) returnValidationErrors(acceptInviteSchema, errors as never);
    }
    let accepted: { email: string; orgId: string };
    try {
      accepted = await acceptInvitation(parsedInput.token, parsedInput, await requestIp());
    } catch (e) {
      rethrowWithFieldErrors(acceptInviteSchema, e);
    }
    await setActiveOrgCookie(accepted.orgId);
    await signIn("credentials", { email: accepted.email, password: parsedInput.password, redirectTo: "/" });
  });
