/**
 * PROTOTYPE used only by the dek-rotation benchmark, to size proposed changes; the real code is
 * lib/lockbox/rotation.ts (runDekRotation). Same batches, locks, crypto, version check and
 * progress, with two differences:
 *  1. each batch is written with ONE statement, UPDATE … FROM unnest(4 arrays): 4 parameters
 *     whatever the batch size (one UPDATE per row was the cost at commit 6a2222c; a VALUES list
 *     needs 4 parameters per row, so batches above 16,383 rows would exceed PostgreSQL's 65,535);
 *  2. the per-row crypto, which never waits on I/O, yields to the event loop every 100 rows, so
 *     the process keeps serving other requests during a batch.
 * The rotation is then finalised by the real runDekRotation (claim: false), which finds nothing
 * left to move and retires the old key.
 */
import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { addRotationProgress, getRotation, lockBatchNotOnVersion } from "@/db/queries/encryption-keys";
import { activeDek, openSecret } from "@/lib/lockbox";
import { envelopeVersion, openString, sealString, secretAad } from "@/lib/lockbox/crypto";
import { runDekRotation } from "@/lib/lockbox/rotation";

export async function runDekRotationBatched(id: string, batchSize: number): Promise<"completed" | "skipped"> {
  const rotation = await getRotation(id);
  if (!rotation || rotation.status !== "running") return "skipped";
  const { scope, toVersion } = rotation;
  for (;;) {
    const moved = await getDb().transaction(async (tx) => {
      const { dek } = await activeDek(scope, rotation.orgId, tx);
      const rows = await lockBatchNotOnVersion(scope, toVersion, batchSize, tx);
      if (rows.length === 0) return 0;
      const ids: string[] = [];
      const fields: string[] = [];
      const cts: string[] = [];
      const froms: number[] = [];
      for (const [i, row] of rows.entries()) {
        // The crypto below never waits on I/O: yield now and then so other requests keep flowing.
        if (i % 100 === 99) await new Promise((r) => setImmediate(r));
        const plaintext = await openSecret({ orgId: rotation.orgId, integrationId: row.integrationId, field: row.field, ciphertext: row.ciphertext }, tx);
        const aad = secretAad(scope, row.integrationId, row.field);
        const ciphertext = sealString(dek, toVersion, plaintext, aad);
        openString(dek, ciphertext, aad);
        ids.push(row.integrationId);
        fields.push(row.field);
        cts.push(ciphertext);
        froms.push(envelopeVersion(row.ciphertext));
      }
      const result = await tx.execute(sql`
        update integration_secrets s set ciphertext = v.ct, dek_version = ${toVersion}
        from unnest(${sql.param(ids)}::text[], ${sql.param(fields)}::text[], ${sql.param(cts)}::text[], ${sql.param(froms)}::int[]) as v(id, field, ct, from_version)
        where s.integration_id = v.id and s.field = v.field and s.dek_version = v.from_version`);
      const n = (result as unknown as { rowCount: number | null }).rowCount ?? 0;
      if (n) await addRotationProgress(id, n, tx);
      return rows.length;
    });
    if (moved === 0) break;
  }
  return runDekRotation(id, { claim: false });
}
