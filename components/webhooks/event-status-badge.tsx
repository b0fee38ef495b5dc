import { Badge } from "@/components/ui/badge";
import type { WebhookEventStatus } from "@/db/schema/webhooks";

const variant = { received: "secondary", processing: "secondary", processed: "success", failed: "warning", dead: "destructive" } as const;

export function EventStatusBadge({ status }: { status: WebhookEventStatus }) {
  return (
    <Badge variant={variant[status]} data-testid="event-status">
      {status}
    </Badge>
  );
}
