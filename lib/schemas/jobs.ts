import { z } from "zod";

const jobId = z.uuid({ error: "That is not a job id." });
const queueName = z.string().trim().min(1, "Name a queue.").max(100);
/** "platform": every organization's and the platform's jobs (platform admins only). */
const jobScope = z.enum(["organization", "platform"]).default("organization");

export const retryJobSchema = z.object({ orgId: z.string().min(1).max(100), scope: jobScope, queue: queueName, jobId });
export const redriveJobSchema = z.object({ orgId: z.string().min(1).max(100), scope: jobScope, jobId });
export const redriveQueueSchema = z.object({ orgId: z.string().min(1).max(100), scope: jobScope, queue: queueName });

export type JobScopeName = z.infer<typeof jobScope>;
