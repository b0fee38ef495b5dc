import { z } from "zod";
import { webhookEventStatuses } from "@/db/schema/webhooks";

const orgId = z.string().min(1).max(100);
const filter = z.string().trim().max(200).optional().nullable();

export const replayWebhookEventSchema = z.object({ orgId, eventId: z.string().uuid() });

/** Replay the events matching the Webhooks table's filters (newest first, up to `limit`). */
export const replayWebhookEventsSchema = z.object({
  orgId,
  provider: filter,
  connection: filter,
  type: filter,
  status: z.enum(webhookEventStatuses).optional().nullable(),
  limit: z.number().int().min(1).max(500).default(100),
});

export const sendTestWebhookSchema = z.object({ orgId, connectionId: z.string().min(1).max(100) });
