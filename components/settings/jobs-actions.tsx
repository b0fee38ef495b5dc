"use client";
import { useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { redriveJobAction, redriveQueueAction, retryJobAction } from "@/lib/actions/jobs";
import type { JobScopeName } from "@/lib/schemas/jobs";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Button } from "@/components/ui/button";

type Common = { orgId: string; scope: JobScopeName };
type Result = { serverError?: string; validationErrors?: { formErrors?: string[] } } | undefined;

function useJobAction() {
  const router = useRouter();
  const [pending, start] = useTransition();
  const run = (call: () => Promise<Result>, success: () => string) =>
    start(async () => {
      const r = await call();
      const error = r?.serverError ?? r?.validationErrors?.formErrors?.[0];
      if (error) toast.error(error);
      else toast.success(success());
      router.refresh();
    });
  return { pending, run };
}

export function RetryJobButton({ orgId, scope, queue, jobId }: Common & { queue: string; jobId: string }) {
  const { pending, run } = useJobAction();
  return (
    <Button
      size="sm"
      variant="outline"
      disabled={pending}
      onClick={() =>
        run(
          () => retryJobAction({ orgId, scope, queue, jobId }),
          () => `Job ${jobId.slice(0, 8)} is queued again on ${queue}.`,
        )
      }
    >
      {pending ? "Retrying…" : "Retry"}
    </Button>
  );
}

export function RedriveJobButton({ orgId, scope, queue, jobId }: Common & { queue: string; jobId: string }) {
  const { pending, run } = useJobAction();
  return (
    <Button
      size="sm"
      variant="outline"
      disabled={pending}
      onClick={() =>
        run(
          () => redriveJobAction({ orgId, scope, jobId }),
          () => `Job ${jobId.slice(0, 8)} is back on ${queue}.`,
        )
      }
    >
      {pending ? "Redriving…" : "Redrive"}
    </Button>
  );
}

export function RedriveQueueButton({ orgId, scope, queue, count }: Common & { queue: string; count: number }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  return (
    <ConfirmDialog
      trigger={
        <Button size="sm" variant="outline" disabled={pending}>
          {pending ? "Redriving…" : "Redrive all"}
        </Button>
      }
      title={
        <>
          Redrive {count} dead-lettered {queue} {count === 1 ? "job" : "jobs"}?
        </>
      }
      description={<>Each one goes back on {queue} as a fresh job with the queue&apos;s full retries. If whatever made them fail is not fixed, they fail and come back here.</>}
      confirmLabel="Redrive all"
      onConfirm={() =>
        start(async () => {
          const r = await redriveQueueAction({ orgId, scope, queue });
          if (r?.serverError) toast.error(r.serverError);
          else if (r?.data) toast.success(r.data.moved === 0 ? `Nothing to redrive on ${queue}.` : `${r.data.moved} ${r.data.moved === 1 ? "job is" : "jobs are"} back on ${queue}.`);
          router.refresh();
        })
      }
    />
  );
}

export function RefreshJobsButton() {
  const router = useRouter();
  const [pending, start] = useTransition();
  return (
    <Button size="sm" variant="ghost" disabled={pending} onClick={() => start(() => router.refresh())}>
      {pending ? "Refreshing…" : "Refresh"}
    </Button>
  );
}
