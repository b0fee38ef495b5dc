import "server-only";
import { getDb } from "@/db/client";
import { getMappingVersionById, lockMappingById, selectRemapBatch, setRemapProgress as updateProgress, writeRemapBatch } from "@/db/queries/mappings";
import { publishEvent } from "@/lib/events/publish";
import { logger } from "@/lib/logger";
import { compiledMapper, resolveTarget } from "./active";
import type { Mapper } from "./types";

export const REMAP_BATCH = 500;

/**
 * Re-map every stored record of a mapping's stream with its active version, in batches: each
 * batch is read by id (keyset), mapped, written with one UPDATE … FROM unnest, and the progress is
 * saved and published in the same transaction. Records already mapped by the active version are
 * skipped, so a killed job resumes where it stopped. Activating another version meanwhile restarts
 * the pass with that version (activation resets the counters under the same row lock).
 */
export async function runRemap(mappingId: string, orgId: string | null, opts: { batchSize?: number; retryCount?: number; retryLimit?: number } = {}): Promise<{ remapped: number; status: string }> {
  const batchSize = opts.batchSize ?? REMAP_BATCH;
  let afterId = 0;
  let mapper: Mapper | null = null;
  let remapped = 0;
  try {
    for (;;) {
      const step = await getDb().transaction(async (tx) => {
        const m = await lockMappingById(mappingId, tx);
        if (!m || m.orgId !== orgId || m.remapStatus !== "running") return { finished: true, status: m?.remapStatus ?? "gone" };
        if (!m.activeVersionId) {
          await updateProgress(tx, m.id, { remapStatus: "failed", remapError: "There is no active version to re-map with." });
          return { finished: true, status: "failed" };
        }
        if (mapper?.versionId !== m.activeVersionId) {
          const v = await getMappingVersionById(m.activeVersionId, tx);
          const resolved = await resolveTarget(m.orgId, m.targetSchema, tx);
          mapper = compiledMapper(m.activeVersionId, v?.definition, resolved?.target ?? null, resolved?.stamp ?? "none");
          afterId = 0;
        }
        const ctx = { orgId: m.orgId ?? "", integrationId: m.integrationId, entity: m.entity, versionId: m.activeVersionId };
        const batch = await selectRemapBatch(ctx, afterId, batchSize, tx);
        if (batch.length === 0) {
          const done = Math.max(m.remapDone, m.remapTotal);
          await updateProgress(tx, m.id, { remapStatus: "idle", remapDone: done, remapError: null });
          await publishEvent(tx, { orgId: m.orgId, type: "sync.progress", data: { kind: "mapping.remap", mappingId: m.id, status: "idle", done, total: m.remapTotal } });
          return { finished: true, status: "idle" };
        }
        const rows = batch.map((r) => {
          const res = mapper!.apply(r.raw);
          return { id: r.id, mapped: JSON.stringify(res.mapped), errors: JSON.stringify(res.errors), hasErrors: res.errors.length > 0 };
        });
        await writeRemapBatch(m.activeVersionId, rows, tx);
        afterId = batch[batch.length - 1]!.id;
        const done = Math.min(m.remapDone + batch.length, Math.max(m.remapTotal, m.remapDone + batch.length));
        await updateProgress(tx, m.id, { remapDone: done });
        await publishEvent(tx, { orgId: m.orgId, type: "sync.progress", data: { kind: "mapping.remap", mappingId: m.id, status: "running", done, total: m.remapTotal } });
        remapped += batch.length;
        return { finished: false, status: "running" };
      });
      if (step.finished) return { remapped, status: step.status };
    }
  } catch (error) {
    // Retries resume where the last committed batch ended; only the last attempt marks the re-map failed.
    if ((opts.retryCount ?? 0) < (opts.retryLimit ?? 0)) throw error;
    logger.error({ err: error, mappingId }, "mapping re-map failed");
    await getDb().transaction(async (tx) => {
      await updateProgress(tx, mappingId, { remapStatus: "failed", remapError: "The re-map stopped on an unexpected error; start it again from the mapping page." });
      await publishEvent(tx, { orgId, type: "sync.progress", data: { kind: "mapping.remap", mappingId, status: "failed" } });
    });
    return { remapped, status: "failed" };
  }
}
