import type { Queue } from "pg-boss";

/** Jobs that exhaust their retries land here, with their source queue recorded (redrive sends them back). */
export const DEAD_LETTER_QUEUE = "dead-letter";

/** What each queue's jobs carry. Every job names its organization (null: platform-wide) for scoping. */
export type JobData = {
  "health-tick": Record<string, never>;
  "health-check": { connectionId: string; orgId: string | null; trigger: "scheduled" | "manual" };
  "token-refresh-tick": Record<string, never>;
  "token-refresh": { connectionId: string; orgId: string | null };
  "key-rotation": { rotationId: string; orgId: string | null };
  "alert-deliver": { changeId: number; orgId: string | null };
  maintenance: Record<string, never>;
  "outbound-delivery": { deliveryId: string; orgId: string | null; attempt: number };
  "webhook-process": { eventId: string; orgId: string | null };
  "mapping-remap": { mappingId: string; orgId: string | null };
  "sync-tick": Record<string, never>;
  "sync-run": { runId: string; orgId: string | null };
};
export type QueueName = keyof JobData;

type QueueDef = Omit<Queue, "name"> & { description: string; cron?: string };

const withDeadLetter = { deadLetter: DEAD_LETTER_QUEUE } as const;

/**
 * The queues and how each retries. `stately` keeps at most one queued and one running job per
 * singleton key (a connection id): ten "check now" requests for one connection make one job.
 * `cron` schedules are kept by pg-boss in the database and fire once per tick across instances.
 */
export const queueDefs: Record<QueueName, QueueDef> = {
  "health-tick": { description: "Every minute: queue a check for each connection whose next check is due.", policy: "singleton", retryLimit: 0, expireInSeconds: 60, cron: "* * * * *" },
  "health-check": { description: "Run one connection's provider test and record the result.", policy: "stately", retryLimit: 2, retryDelay: 5, retryBackoff: true, expireInSeconds: 45, ...withDeadLetter },
  "token-refresh-tick": { description: "Every minute: queue a refresh for OAuth tokens expiring within 10 minutes.", policy: "singleton", retryLimit: 0, expireInSeconds: 60, cron: "* * * * *" },
  "token-refresh": { description: "Refresh one connection's OAuth access token ahead of its expiry.", policy: "stately", retryLimit: 3, retryDelay: 10, retryBackoff: true, retryDelayMax: 300, expireInSeconds: 120, ...withDeadLetter },
  "key-rotation": { description: "Re-encrypt a scope's secrets with its new data key, in resumable batches.", policy: "stately", retryLimit: 10, retryDelay: 15, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 3600, heartbeatSeconds: 30, ...withDeadLetter },
  "alert-deliver": { description: "Send one health alert (email, Slack or outbound webhook).", policy: "standard", retryLimit: 5, retryDelay: 15, retryBackoff: true, retryDelayMax: 900, expireInSeconds: 120, ...withDeadLetter },
  // retryLimit 0: lib/webhooks/outbound.ts owns the retry schedule (5 s … 10 h) and queues each attempt itself.
  "outbound-delivery": { description: "Make one attempt of an outbound webhook delivery and schedule the next.", policy: "stately", retryLimit: 0, expireInSeconds: 90, ...withDeadLetter },
  "webhook-process": { description: "Process one inbound webhook event: update connection state, relay, feed syncs.", policy: "standard", retryLimit: 5, retryDelay: 5, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 120, ...withDeadLetter },
  // Resumable: records already mapped by the active version are skipped, so a retry continues where it stopped.
  "mapping-remap": { description: "Re-map a stream's stored records with its active mapping version, in batches.", policy: "stately", retryLimit: 5, retryDelay: 10, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 3600, heartbeatSeconds: 30, ...withDeadLetter },
  "sync-tick": { description: "Every minute: queue an incremental run for each enabled stream whose schedule is due.", policy: "singleton", retryLimit: 0, expireInSeconds: 60, cron: "* * * * *" },
  // Stately per stream; the heartbeat finds a dead worker within a minute, and the retry resumes the run from its checkpoint.
  "sync-run": { description: "Run (or resume from its checkpoint) one sync run of a stream.", policy: "stately", retryLimit: 3, retryDelay: 10, retryBackoff: true, retryDelayMax: 300, expireInSeconds: 6 * 3600, heartbeatSeconds: 30, ...withDeadLetter },
  maintenance: { description: "Every minute: resume orphaned key rotations, prune old health rows and stale worker records.", policy: "singleton", retryLimit: 0, expireInSeconds: 300, cron: "* * * * *" },
};

export const queueNames = Object.keys(queueDefs) as QueueName[];
