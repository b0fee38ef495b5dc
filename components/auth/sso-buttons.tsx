import { signInWithSsoAction } from "@/lib/actions/sign-in-sso";
import { Button } from "@/components/ui/button";

export type SsoButton = { connectionId: string; label: string };

/** One "Sign in with …" per organization SSO connection; plain forms, so they work before hydration. */
export function SsoButtons({ connections, callbackUrl }: { connections: SsoButton[]; callbackUrl?: string }) {
  if (connections.length === 0) return null;
  return (
    <div className="grid gap-2" data-testid="sso-buttons">
      <div className="flex items-center gap-3 text-xs text-muted-foreground">
        <span className="h-px flex-1 bg-border" />
        or
        <span className="h-px flex-1 bg-border" />
      </div>
      {connections.map((c) => (
        <form key={c.connectionId} action={signInWithSsoAction}>
          <input type="hidden" name="connectionId" value={c.connectionId} />
          {callbackUrl ? <input type="hidden" name="callbackUrl" value={callbackUrl} /> : null}
          <Button type="submit" variant="outline" className="w-full">
            Sign in with {c.label}
          </Button>
        </form>
      ))}
    </div>
  );
}
