import { Badge } from "@/components/ui/badge";
import type { SyncRunStatus } from "@/db/schema/sync";

const variant = { queued: "secondary", running: "secondary", succeeded: "success", failed: "destructive", cancelled: "warning" } as const;

export function RunStatusBadge({ status }: { status: SyncRunStatus }) {
  return (
    <Badge variant={variant[status]} data-testid="run-status">
      {status}
    </Badge>
  );
}
