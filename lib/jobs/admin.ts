import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { fromDrizzle } from "pg-boss";
import { getDb, type Executor } from "@/db/client";
import { liveWorkers } from "@/db/queries/health";
import { recordAudit, type AuditActor } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { BOSS_SCHEMA, getBoss } from "./boss";
import { DEAD_LETTER_QUEUE, queueDefs, queueNames, type QueueName } from "./queues";

/**
 * Whose jobs an admin sees and may act on. Every job carries `orgId` in its data (null for
 * platform connections; cron ticks carry nothing), so an organization's view is a filter on
 * data->>'orgId'. Only platform admins get the whole queue, system and platform jobs included.
 */
export type JobScope = { kind: "org"; orgId: string } | { kind: "platform" };

export type QueueOverview = {
  name: QueueName;
  description: string;
  cron: string | null;
  ready: number;
  deferred: number;
  active: number;
  failed: number;
  deadLettered: number;
};

export type ProblemJob = {
  kind: "failed" | "dead-lettered";
  /** The queue the job belongs to (for a dead-lettered job: the queue it failed on). */
  queue: string;
  id: string;
  createdAt: Date;
  failedAt: Date | null;
  attempts: number;
  error: string | null;
  connectionId: string | null;
  orgId: string | null;
  orgName: string | null;
};

const job = sql.raw(`${BOSS_SCHEMA}.job`);

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

function scopeFilter(scope: JobScope): SQL {
  return scope.kind === "org" ? sql`and j.data->>'orgId' = ${scope.orgId}` : sql``;
}

function isQueueName(name: string): name is QueueName {
  return (queueNames as string[]).includes(name);
}

const queueList = sql.join(
  queueNames.map((n) => sql`${n}`),
  sql`, `,
);

/** Per queue: waiting (ready now / deferred), running, failed (still retained) and dead-lettered jobs in the scope. */
export async function queueOverview(scope: JobScope, db: Executor = getDb()): Promise<QueueOverview[]> {
  const rows = rowsOf<{ queue: string; ready: number; deferred: number; active: number; failed: number; dead: number }>(
    await db.execute(sql`
      select case when j.name = ${DEAD_LETTER_QUEUE} then j.source_name else j.name end as queue,
             count(*) filter (where j.name <> ${DEAD_LETTER_QUEUE} and j.state in ('created', 'retry') and j.start_after <= now())::int as ready,
             count(*) filter (where j.name <> ${DEAD_LETTER_QUEUE} and j.state in ('created', 'retry') and j.start_after > now())::int as deferred,
             count(*) filter (where j.name <> ${DEAD_LETTER_QUEUE} and j.state = 'active')::int as active,
             count(*) filter (where j.name <> ${DEAD_LETTER_QUEUE} and j.state = 'failed')::int as failed,
             count(*) filter (where j.name = ${DEAD_LETTER_QUEUE} and j.state in ('created', 'retry', 'failed'))::int as dead
        from ${job} j
       where (j.name in (${queueList}) or (j.name = ${DEAD_LETTER_QUEUE} and j.source_name in (${queueList})))
             ${scopeFilter(scope)}
       group by 1`),
  );
  const byQueue = new Map(rows.map((r) => [r.queue, r]));
  return queueNames.map((name) => {
    const r = byQueue.get(name);
    return {
      name,
      description: queueDefs[name].description,
      cron: queueDefs[name].cron ?? null,
      ready: Number(r?.ready ?? 0),
      deferred: Number(r?.deferred ?? 0),
      active: Number(r?.active ?? 0),
      failed: Number(r?.failed ?? 0),
      deadLettered: Number(r?.dead ?? 0),
    };
  });
}

type RawProblem = {
  kind: "failed" | "dead-lettered";
  queue: string;
  id: string;
  created_at: Date | string;
  failed_at: Date | string | null;
  attempts: number;
  output: unknown;
  connection_id: string | null;
  org_id: string | null;
  org_name: string | null;
};

/** The message of a job's error output (pg-boss stores the thrown error serialized); never the stack. */
export function errorMessageOf(output: unknown): string | null {
  if (output === null || output === undefined) return null;
  if (typeof output === "string") return output.slice(0, 500);
  if (typeof output === "object" && "message" in output && typeof (output as { message: unknown }).message === "string") return (output as { message: string }).message.slice(0, 500);
  return JSON.stringify(output).slice(0, 500);
}

const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

/**
 * Recent jobs that need a person: failed jobs of queues without a dead-letter queue (retry them)
 * and jobs waiting in the dead-letter queue (redrive them). A failed job of a queue that has a
 * dead-letter queue is not listed itself: pg-boss copied it there when it failed, and the copy is
 * the one to act on (retrying the original as well would run the work twice).
 */
export async function listProblemJobs(scope: JobScope, opts: { limit?: number } = {}, db: Executor = getDb()): Promise<ProblemJob[]> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
  const rows = rowsOf<RawProblem>(
    await db.execute(sql`
      select case when j.name = ${DEAD_LETTER_QUEUE} then 'dead-lettered' else 'failed' end as kind,
             case when j.name = ${DEAD_LETTER_QUEUE} then j.source_name else j.name end as queue,
             j.id::text as id,
             coalesce(j.source_created_on, j.created_on) as created_at,
             case when j.name = ${DEAD_LETTER_QUEUE} then j.created_on else j.completed_on end as failed_at,
             (case when j.name = ${DEAD_LETTER_QUEUE} then coalesce(j.source_retry_count, 0) else j.retry_count end + 1)::int as attempts,
             case when j.name = ${DEAD_LETTER_QUEUE} and j.state = 'failed' then j.output else coalesce(j.source_output, j.output) end as output,
             j.data->>'connectionId' as connection_id,
             j.data->>'orgId' as org_id,
             o.name as org_name
        from ${job} j
        left join organizations o on o.id = j.data->>'orgId'
       where ((j.name = ${DEAD_LETTER_QUEUE} and j.state in ('created', 'retry', 'failed') and j.source_name in (${queueList}))
              or (j.name in (${queueList}) and j.state = 'failed' and j.dead_letter is null))
             ${scopeFilter(scope)}
       order by coalesce(case when j.name = ${DEAD_LETTER_QUEUE} then j.created_on else j.completed_on end, j.created_on) desc
       limit ${limit}`),
  );
  return rows.map((r) => ({
    kind: r.kind,
    queue: r.queue,
    id: r.id,
    createdAt: toDate(r.created_at),
    failedAt: r.failed_at ? toDate(r.failed_at) : null,
    attempts: Number(r.attempts),
    error: errorMessageOf(r.output),
    connectionId: r.connection_id,
    orgId: r.org_id,
    orgName: r.org_name,
  }));
}

type ActInput = { scope: JobScope; actor: AuditActor; auditOrgId: string; ip: string | null };

const notFound = (what: string) => new AppError("not_found", `${what} does not exist (it may have been cleaned up), or it is not a job of your organization.`);

/**
 * The job row, locked, if it is in the scope. Another organization's job is answered exactly like
 * a missing one, so job ids cannot be probed across organizations.
 */
async function lockJob(tx: Executor, name: string, id: string, scope: JobScope) {
  const [row] = rowsOf<{ id: string; state: string; dead_letter: string | null; source_name: string | null; org_id: string | null; output: unknown }>(
    await tx.execute(sql`
      select j.id::text as id, j.state::text as state, j.dead_letter, j.source_name, j.data->>'orgId' as org_id, j.output
        from ${job} j
       where j.name = ${name} and j.id = ${id}::uuid ${scopeFilter(scope)}
       for update`),
  );
  return row;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkId(id: string): void {
  if (!uuidPattern.test(id)) throw new AppError("bad_request", "That is not a job id.");
}

/** Put a failed job back on its queue (retried now, with one more attempt allowed). Audited. */
export async function retryJob(input: ActInput & { queue: string; id: string }): Promise<void> {
  checkId(input.id);
  if (!isQueueName(input.queue)) throw new AppError("bad_request", `There is no queue named ${input.queue}.`);
  const queue = input.queue;
  // First use of pg-boss outside the transaction: on PGlite it would otherwise wait for it forever.
  const boss = await getBoss();
  await getDb().transaction(async (tx) => {
    const row = await lockJob(tx, queue, input.id, input.scope);
    if (!row) throw notFound(`Job ${input.id} in ${queue}`);
    if (row.state !== "failed") throw new AppError("conflict", `Job ${input.id} is ${row.state}, not failed: only failed jobs can be retried.`);
    if (row.dead_letter) throw new AppError("conflict", `Job ${input.id} was moved to the dead-letter queue when it failed: redrive it from there instead.`);
    const res = (await boss.retry(queue, input.id, { db: fromDrizzle(tx as never, sql as never) })) as { affected?: number };
    if (res.affected !== 1) throw new AppError("conflict", `Job ${input.id} could not be retried; reload the page to see its state.`);
    await recordAudit(tx, {
      // The job's organization sees who touched its job; a platform job goes to the actor's organization.
      orgId: row.org_id ?? input.auditOrgId,
      actor: input.actor,
      action: "job.retried",
      target: { type: "job", id: input.id },
      metadata: { queue, jobOrgId: row.org_id, scope: input.scope.kind },
      ip: input.ip,
    });
  });
}

/** Send one dead-lettered job back to the queue it failed on, as a fresh job. Audited. */
export async function redriveJob(input: ActInput & { id: string }): Promise<void> {
  checkId(input.id);
  const boss = await getBoss();
  const conflict = await getDb().transaction(async (tx) => {
    const db = fromDrizzle(tx as never, sql as never);
    const row = await lockJob(tx, DEAD_LETTER_QUEUE, input.id, input.scope);
    if (!row) throw notFound(`Dead-lettered job ${input.id}`);
    if (!row.source_name || !isQueueName(row.source_name)) throw new AppError("conflict", `Job ${input.id} has no queue to go back to.`);
    // A job an earlier redrive could not re-create was failed in place; make it a candidate again.
    if (row.state === "failed") await boss.retry(DEAD_LETTER_QUEUE, input.id, { db });
    else if (row.state !== "created" && row.state !== "retry") throw new AppError("conflict", `Job ${input.id} is ${row.state}; only waiting dead-lettered jobs can be redriven.`);
    const moved = await boss.redrive(DEAD_LETTER_QUEUE, { ids: [input.id], limit: 1, db });
    if (moved !== 1) {
      // pg-boss fails the dead-letter row in place with the reason (e.g. the queue already has a job for that connection).
      const after = await lockJob(tx, DEAD_LETTER_QUEUE, input.id, input.scope);
      return errorMessageOf(after?.output) ?? `Job ${input.id} could not be redriven.`;
    }
    await recordAudit(tx, {
      // The job's organization sees who touched its job; a platform job goes to the actor's organization.
      orgId: row.org_id ?? input.auditOrgId,
      actor: input.actor,
      action: "job.redriven",
      target: { type: "job", id: input.id },
      metadata: { queue: row.source_name, jobOrgId: row.org_id, scope: input.scope.kind },
      ip: input.ip,
    });
    return null;
  });
  if (conflict) throw new AppError("conflict", conflict);
}

/** Send every dead-lettered job of one source queue in the scope back (at most 1000 per call). Audited. */
export async function redriveQueue(input: ActInput & { queue: string }): Promise<number> {
  if (!isQueueName(input.queue)) throw new AppError("bad_request", `There is no queue named ${input.queue}.`);
  const queue = input.queue;
  const boss = await getBoss();
  return getDb().transaction(async (tx) => {
    const moved = await boss.redrive(DEAD_LETTER_QUEUE, {
      sourceName: queue,
      // jsonb containment: only jobs whose data names this organization.
      data: input.scope.kind === "org" ? { orgId: input.scope.orgId } : undefined,
      limit: 1000,
      db: fromDrizzle(tx as never, sql as never),
    });
    if (moved > 0) {
      await recordAudit(tx, {
        orgId: input.auditOrgId,
        actor: input.actor,
        action: "jobs.redriven",
        target: { type: "queue", id: queue },
        metadata: { queue, count: moved, scope: input.scope.kind },
        ip: input.ip,
      });
    }
    return moved;
  });
}

/** Heartbeats newer than this mean a worker process is alive (they beat every 10 s). */
export const WORKER_ALIVE_SECONDS = 45;

/** Worker processes (npm start or npm run worker, on any host) seen within the last 45 s. */
export async function countLiveWorkers(db: Executor = getDb()): Promise<number> {
  return (await liveWorkers(WORKER_ALIVE_SECONDS, db)).length;
}
