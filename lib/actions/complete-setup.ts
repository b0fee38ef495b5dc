"use server";
import { signIn } from "@/lib/auth";
import { actionClient } from "@/lib/safe-action";
import { setupSchema } from "@/lib/schemas/account";
import { completeSetup } from "@/lib/organizations/setup";
import { requestIp } from "@/lib/request";

export const completeSetupAction = actionClient
  .metadata({ name: "completeSetup" })
  .inputSchema(setupSchema)
  .action(async ({ parsedInput }) => {
    await completeSetup({ ...parsedInput, ip: await requestIp() });
    // Signs the new owner in and redirects; Auth.js throws the redirect.
    await signIn("credentials", { email: parsedInput.email, password: parsedInput.password, redirectTo: "/" });
  });
