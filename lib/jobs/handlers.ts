import "server-only";
import type { Job } from "pg-boss";
import { getAccessToken } from "@/lib/connect/oauth";
import { IntegrationUnavailableError } from "@/lib/settings/errors";
import { deliverAlert } from "@/lib/health/alerts";
import { runHealthCheck } from "@/lib/health/check";
import { runMaintenance, scheduleDueChecks, scheduleTokenRefreshes } from "@/lib/health/schedule";
import { runDekRotation } from "@/lib/lockbox/rotation";
import { deliverOutbound } from "@/lib/webhooks/outbound";
import { processWebhookEvent } from "@/lib/webhooks/process";
import { runRemap } from "@/lib/mapping/remap";
import { runSync } from "@/lib/sync/engine";
import { scheduleDueSyncs } from "@/lib/sync/schedule";
import { queueDefs, type JobData, type QueueName } from "./queues";

export type Handler<Q extends QueueName> = (job: Job<JobData[Q]>) => Promise<unknown>;

/** What each queue does. A handler that throws is retried per the queue's policy, then dead-lettered. */
export const handlers: { [Q in QueueName]: Handler<Q> } = {
  "health-tick": () => scheduleDueChecks(),
  "health-check": (job) => runHealthCheck({ connectionId: job.data.connectionId, trigger: job.data.trigger, jobId: job.id }),
  "token-refresh-tick": () => scheduleTokenRefreshes(),
  "token-refresh": async (job) => {
    // Refresh if within the 10-minute window the tick used; a connection refreshed meanwhile returns at once.
    try {
      await getAccessToken({ orgId: job.data.orgId ?? "", connectionId: job.data.connectionId }, { aheadMs: 10 * 60_000 });
      return { refreshed: true };
    } catch (error) {
      // Needs a person to reconnect: retrying cannot help (and the connection already says so).
      if (error instanceof IntegrationUnavailableError) return { refreshed: false, reason: error.message };
      throw error;
    }
  },
  "key-rotation": (job) => runDekRotation(job.data.rotationId),
  "alert-deliver": (job) => deliverAlert(job.data.changeId),
  maintenance: () => runMaintenance(),
  "outbound-delivery": (job) => deliverOutbound(job.data.deliveryId, { expectedAttempt: job.data.attempt }),
  "webhook-process": (job) => processWebhookEvent(job.data.eventId, { retryCount: job.retryCount }),
  "mapping-remap": (job) => runRemap(job.data.mappingId, job.data.orgId, { retryCount: job.retryCount, retryLimit: queueDefs["mapping-remap"].retryLimit }),
  "sync-tick": () => scheduleDueSyncs(),
  // A failed run is recorded on the run and does not throw; only a dead or stopped worker leaves it running for the retry to resume.
  "sync-run": (job) => runSync(job.data.runId, { signal: job.signal }),
};
