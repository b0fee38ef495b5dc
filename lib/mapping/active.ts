import "server-only";
import type { Executor } from "@/db/client";
import type { Mapper } from "./types";

/**
 * The compiled active mapping version of a sync stream, or null when the stream has none (records
 * are then stored raw, with mapped = null). Syncs call this once per run.
 */
export async function loadStreamMapper(_streamId: string, _db?: Executor): Promise<Mapper | null> {
  // Wired to lib/mapping/compile by the mapping work (same session); until then no stream has a mapping.
  return null;
}
