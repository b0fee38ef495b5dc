"use client";
import { useTransition } from "react";
import { toast } from "sonner";
import { startGithubInstallAction } from "@/lib/actions/start-github-install";
import { Button } from "@/components/ui/button";

export function GithubInstallButton({ orgId, connectionId }: { orgId: string; connectionId: string }) {
  const [pending, start] = useTransition();
  return (
    <Button
      disabled={pending}
      data-testid="github-install"
      onClick={() =>
        start(async () => {
          const r = await startGithubInstallAction({ orgId, connectionId });
          if (r?.serverError) toast.error(r.serverError);
          else if (r?.data) window.location.assign(r.data.url);
        })
      }
    >
      Install on GitHub
    </Button>
  );
}
