"use server";
import { AuthError } from "next-auth";
import { redirect } from "next/navigation";
import { signIn } from "@/lib/auth";
import { findSsoConnection, refusalUrl, ssoProviderId } from "@/lib/auth/sso";

function safeCallback(url: unknown): string {
  // Only same-site paths: an attacker must not turn our sign-in into an open redirect.
  if (typeof url !== "string" || !url.startsWith("/") || url.startsWith("//") || url.startsWith("/\\")) return "/";
  return url;
}

/** "Sign in with …": hands over to Auth.js, which redirects to the organization's identity provider. */
export async function signInWithSsoAction(formData: FormData): Promise<void> {
  const connectionId = String(formData.get("connectionId") ?? "");
  if (!/^[0-9A-Za-z-]{1,100}$/.test(connectionId) || !(await findSsoConnection(connectionId))) redirect(refusalUrl("sso_unavailable", connectionId.slice(0, 100)));
  try {
    await signIn(ssoProviderId(connectionId), { redirectTo: safeCallback(formData.get("callbackUrl")) });
  } catch (error) {
    // signIn throws Next's redirect on success: only Auth.js errors are ours to handle.
    if (!(error instanceof AuthError)) throw error;
    redirect(refusalUrl("sso_unavailable", connectionId));
  }
}
