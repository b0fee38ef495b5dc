"use client";
import { useEffect, useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { rotateDataKeyAction } from "@/lib/actions/rotate-data-key";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Button } from "@/components/ui/button";

export function RotateKeyButton({ orgId, scope, running, label }: { orgId: string; scope: "organization" | "platform"; running: boolean; label: string }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  // While a rotation runs, refresh the server-rendered progress every second.
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => router.refresh(), 1000);
    return () => clearInterval(t);
  }, [running, router]);
  return (
    <ConfirmDialog
      trigger={
        <Button variant="outline" disabled={pending || running}>
          {running ? "Rotation running…" : `Rotate ${label} data key`}
        </Button>
      }
      title={<>Rotate the {label} data key?</>}
      description={
        <>
          A new key version encrypts everything saved from now on, and a background job re-encrypts the stored secrets in batches. Connections keep working throughout. The old version is retired when
          no secret uses it.
        </>
      }
      confirmLabel="Rotate"
      onConfirm={() =>
        start(async () => {
          const r = await rotateDataKeyAction({ orgId, scope });
          if (r?.serverError) toast.error(r.serverError);
          else if (r?.data) toast.success(`Version ${r.data.toVersion} is active; re-encrypting ${r.data.total} secrets.`);
          router.refresh();
        })
      }
    />
  );
}
