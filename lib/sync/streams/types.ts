import type { ApiClient } from "@/lib/providers/_shared/api-client";
import type { SyncMode } from "@/db/schema";

/** Where the next page starts: a provider page token, offset, page number or URL. Stored as the run's checkpoint. */
export type PageToken = Record<string, string | number>;

export type PageRequest = {
  client: ApiClient;
  /** The stream's config (generic REST: its endpoint description; others: optional overrides). */
  config: Record<string, unknown>;
  mode: SyncMode;
  /** Incremental lower bound (ISO date-time, or null: everything). */
  since: string | null;
  /** null: the first page. */
  token: PageToken | null;
  signal?: AbortSignal;
};

export type Page = { records: unknown[]; next: PageToken | null };

/**
 * One entity stream a provider offers. `fetchPage` reads one page; the engine owns checkpointing,
 * hashing, mapping and upserts, so a stream is only "how to list this entity".
 */
export type StreamDef = {
  entity: string;
  label: string;
  description: string;
  /** How records are paged, for the UI: cursor (after), page/offset, link header, next URL. */
  pagination: "cursor" | "page" | "offset" | "link" | "next_url";
  incremental: boolean;
  idOf(raw: unknown): string | undefined;
  /** The record's last-modified time (ISO), for the incremental cursor. */
  updatedAtOf(raw: unknown): string | undefined;
  fetchPage(req: PageRequest): Promise<Page>;
};

/** A value at a dot path ("properties.email", "data.items"); "" is the value itself. */
export function at(value: unknown, path: string): unknown {
  return getter(path)(value);
}

/** A reader of one dot path, split once (it runs per record). */
export function getter(path: string): (value: unknown) => unknown {
  if (!path) return (v) => v;
  const keys = path.split(".");
  if (keys.length === 1) {
    const k = keys[0]!;
    return (v) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined);
  }
  return (value) => {
    let cur = value;
    for (const key of keys) {
      if (cur === null || typeof cur !== "object") return undefined;
      cur = (cur as Record<string, unknown>)[key];
    }
    return cur;
  };
}

export function idString(v: unknown): string | undefined {
  if (typeof v === "string" && v.length > 0) return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

/** An ISO timestamp from a date string or epoch milliseconds (string or number). */
export function isoTime(v: unknown): string | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return new Date(v).toISOString();
  if (typeof v !== "string" || !v) return undefined;
  if (/^\d{10,}$/.test(v)) return new Date(Number(v)).toISOString();
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}
