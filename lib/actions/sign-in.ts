"use server";
import { AuthError } from "next-auth";
import { signIn } from "@/lib/auth";
import { AppError } from "@/lib/errors";
import { actionClient } from "@/lib/safe-action";
import { signInSchema } from "@/lib/schemas/account";

function safeCallback(url: string | undefined): string {
  // Only same-site paths: an attacker must not turn our sign-in into an open redirect.
  if (!url || !url.startsWith("/") || url.startsWith("//") || url.startsWith("/\\")) return "/";
  return url;
}

export const signInAction = actionClient
  .metadata({ name: "signIn" })
  .inputSchema(signInSchema)
  .action(async ({ parsedInput }) => {
    try {
      await signIn("credentials", { email: parsedInput.email, password: parsedInput.password, redirectTo: safeCallback(parsedInput.callbackUrl) });
    } catch (error) {
      // signIn throws Next's redirect on success: only Auth.js errors are ours to handle.
      if (!(error instanceof AuthError)) throw error;
      const code = (error as AuthError & { code?: string }).code ?? "";
      if (code.startsWith("rate_limited")) {
        const seconds = Number(code.split(":")[1] ?? 900);
        const minutes = Math.max(1, Math.ceil(seconds / 60));
        throw new AppError("rate_limited", `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`);
      }
      throw new AppError("unauthorized", "Wrong email or password.");
    }
  });
