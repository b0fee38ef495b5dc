"use client";
import { useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Button } from "@/components/ui/button";
import { rotateSigningSecretAction, sendTestEventAction } from "@/lib/actions/outbound-webhooks";

const utc = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

export function OutboundEndpointActions({ orgId, connectionId, canSendEvents }: { orgId: string; connectionId: string; canSendEvents: boolean }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const ref = { orgId, connectionId };
  return (
    <div className="flex flex-wrap gap-2">
      {canSendEvents ? (
        <Button
          variant="outline"
          disabled={pending}
          onClick={() =>
            start(async () => {
              const r = await sendTestEventAction(ref);
              if (r?.serverError) toast.error(r.serverError);
              else if (r?.data) toast.success(`Test event ${r.data.messageId} queued.`);
              router.refresh();
            })
          }
        >
          Send test event
        </Button>
      ) : null}
      <ConfirmDialog
        trigger={
          <Button variant="outline" disabled={pending}>
            Rotate signing secret
          </Button>
        }
        title={<>Rotate the signing secret?</>}
        description={
          <>
            Patchbay generates a new secret. For the next 24 hours every delivery carries two signatures, one per secret, so the receiver keeps verifying while you give it the new secret (reveal it in
            Settings). After 24 hours only the new secret signs.
          </>
        }
        confirmLabel="Rotate"
        onConfirm={() =>
          start(async () => {
            const r = await rotateSigningSecretAction(ref);
            if (r?.serverError) toast.error(r.serverError);
            else if (r?.data) toast.success(`New signing secret active. The old one stays valid until ${utc(r.data.previousValidUntil)}.`);
            router.refresh();
          })
        }
      />
    </div>
  );
}
