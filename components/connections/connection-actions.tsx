"use client";
import { useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { deleteConnectionAction } from "@/lib/actions/delete-connection";
import { makeDefaultConnectionAction } from "@/lib/actions/make-default-connection";
import { setConnectionEnabledAction } from "@/lib/actions/set-connection-enabled";
import { testConnectionAction } from "@/lib/actions/test-connection";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Button } from "@/components/ui/button";

type Props = { orgId: string; connectionId: string; name: string; enabled: boolean; isDefault: boolean };

export function ConnectionActions({ orgId, connectionId, name, enabled, isDefault }: Props) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const ref = { orgId, connectionId };

  function run(fn: () => Promise<{ serverError?: string; data?: unknown } | undefined>, ok: (data: unknown) => string, after?: () => void) {
    start(async () => {
      const r = await fn();
      if (r?.serverError) toast.error(r.serverError);
      else if (r?.data !== undefined) {
        toast.success(ok(r.data));
        after?.();
      }
      router.refresh();
    });
  }

  return (
    <div className="flex flex-wrap gap-2">
      <Button
        variant="outline"
        disabled={pending}
        onClick={() =>
          start(async () => {
            const r = await testConnectionAction(ref);
            if (r?.serverError) toast.error(r.serverError);
            else if (r?.data?.ok) toast.success(`Test passed in ${r.data.ms} ms. ${r.data.message}`);
            else if (r?.data) toast.error(`Test failed after ${r.data.ms} ms. ${r.data.message}`);
            router.refresh();
          })
        }
      >
        Test connection
      </Button>
      <Button
        variant="outline"
        disabled={pending}
        onClick={() =>
          run(
            () => setConnectionEnabledAction({ ...ref, enabled: !enabled }),
            () => (enabled ? `${name} is disabled.` : `${name} is enabled.`),
          )
        }
      >
        {enabled ? "Disable" : "Enable"}
      </Button>
      {!isDefault ? (
        <Button
          variant="outline"
          disabled={pending}
          onClick={() =>
            run(
              () => makeDefaultConnectionAction(ref),
              () => `${name} is now the default.`,
            )
          }
        >
          Make default
        </Button>
      ) : null}
      <ConfirmDialog
        trigger={
          <Button variant="destructive" disabled={pending}>
            Delete
          </Button>
        }
        title={<>Delete {name}?</>}
        description={<>Its stored credentials are erased. Code that uses it falls back to the platform-wide connection, if there is one.</>}
        confirmLabel="Delete"
        onConfirm={() =>
          run(
            () => deleteConnectionAction(ref),
            () => `${name} was deleted.`,
            () => router.push("/connections"),
          )
        }
      />
    </div>
  );
}
