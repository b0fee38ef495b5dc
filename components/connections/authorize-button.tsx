"use client";
import { useTransition } from "react";
import { toast } from "sonner";
import { startAuthorizationAction } from "@/lib/actions/start-authorization";
import { Button } from "@/components/ui/button";

export function AuthorizeButton({ orgId, connectionId, providerName, reconnect }: { orgId: string; connectionId: string; providerName: string; reconnect: boolean }) {
  const [pending, start] = useTransition();
  return (
    <Button
      disabled={pending}
      onClick={() =>
        start(async () => {
          const r = await startAuthorizationAction({ orgId, connectionId });
          if (r?.serverError) toast.error(r.serverError);
          else if (r?.data) window.location.assign(r.data.url);
        })
      }
    >
      {reconnect ? `Reconnect ${providerName}` : `Connect with ${providerName}`}
    </Button>
  );
}
