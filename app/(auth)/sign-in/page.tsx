import { AlertCircle } from "lucide-react";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { SsoButtons } from "@/components/auth/sso-buttons";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { loadSessionUser } from "@/lib/auth/context";
import { listSsoConnections, type SsoConnection } from "@/lib/auth/sso";
import { isSetupComplete } from "@/lib/organizations/setup";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in" };

type Params = { callbackUrl?: string | string[]; error?: string | string[]; connection?: string | string[]; email?: string | string[] };

const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);

/** Auth.js and our SSO checks send people back here with ?error=…; say what happened in plain words. */
function errorMessage(params: Params, sso: SsoConnection[]): string | null {
  const error = one(params.error);
  if (!error) return null;
  const conn = sso.find((c) => c.connectionId === one(params.connection));
  const org = conn?.orgName ?? "this organization";
  const email = one(params.email);
  switch (error) {
    case "sso_not_member":
      // The address is only echoed when it looks like one: the query string is anyone's to craft.
      return email && /^[^\s@<>]{1,200}@[^\s@<>]{1,200}$/.test(email)
        ? `${email} is not a member of ${org}. Ask an owner to add you.`
        : `You are not a member of ${org}. Ask an owner to add you.`;
    case "sso_unverified":
      return `${conn ? `${conn.label} did` : "Your identity provider did"} not confirm a verified email address, so you cannot be matched to a member. Ask your administrator.`;
    case "sso_unavailable":
      return "That sign-in method is not available any more. Use another one, or ask an owner.";
    case "AccessDenied":
      return "You cannot sign in with that account.";
    case "OAuthAccountNotLinked":
      return "That account is linked to another user. Sign in with your password, or ask an owner.";
    case "Verification":
      return "The sign-in link has expired or was already used.";
    case "CredentialsSignin":
      return "Wrong email or password.";
    default:
      // Configuration, OAuthCallbackError, CallbackRouteError…: the details are in the server log.
      return "Signing in with your identity provider failed. Try again, or ask an administrator to check the connection.";
  }
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Params> }) {
  if (!(await isSetupComplete())) redirect("/setup");
  if (await loadSessionUser()) redirect("/");
  const params = await searchParams;
  const callbackUrl = one(params.callbackUrl);
  const sso = await listSsoConnections().catch(() => [] as SsoConnection[]);
  const error = errorMessage(params, sso);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Sign in</CardTitle>
        <CardDescription>Use the email and password your organization owner gave you{sso.length ? ", or your organization's sign-in" : ""}.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {error ? (
          <div data-testid="sign-in-error" role="alert" className="flex items-start gap-2 rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive">
            <AlertCircle className="mt-0.5 size-4 shrink-0" />
            <span>{error}</span>
          </div>
        ) : null}
        <SignInForm callbackUrl={callbackUrl} />
        <SsoButtons connections={sso.map((c) => ({ connectionId: c.connectionId, label: c.label }))} callbackUrl={callbackUrl} />
      </CardContent>
    </Card>
  );
}
