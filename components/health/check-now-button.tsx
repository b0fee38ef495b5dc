"use client";
import { useTransition } from "react";
import { useRouter } from "next/navigation";
import { RefreshCw } from "lucide-react";
import { toast } from "sonner";
import { checkConnectionNowAction } from "@/lib/actions/health";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/utils";

/** Runs the connection's health check now, shows the outcome in a toast and refreshes the page's data. */
export function CheckNowButton({ orgId, connectionId, name, size = "sm", variant = "outline" }: { orgId: string; connectionId: string; name: string; size?: "sm" | "default" | "icon"; variant?: "outline" | "ghost" }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  return (
    <Button
      variant={variant}
      size={size}
      disabled={pending}
      aria-label={`Check now: ${name}`}
      title={size === "icon" ? "Check now" : undefined}
      data-testid="check-now"
      onClick={() =>
        start(async () => {
          const r = await checkConnectionNowAction({ orgId, connectionId });
          if (r?.serverError) toast.error(r.serverError);
          else if (r?.validationErrors) toast.error("That request was not valid.");
          else if (r?.data?.ok) toast.success(`${r.data.name}: check passed in ${r.data.ms} ms.`, { description: r.data.message });
          else if (r?.data) toast.error(`${r.data.name}: check failed after ${r.data.ms} ms.`, { description: r.data.message });
          router.refresh();
        })
      }
    >
      <RefreshCw className={cn(pending && "animate-spin")} aria-hidden="true" />
      {size === "icon" ? null : pending ? "Checking…" : "Check now"}
    </Button>
  );
}
