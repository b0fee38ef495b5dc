// Count the SQL statements a piece of code sends, by wrapping the driver's query function:
// pg.Client.prototype.query on PostgreSQL (the pool and transaction clients all go through it,
// once per statement) or the PGlite instance's query/exec.
import pg from "pg";
import type { DbHandle } from "@/db/client";

export type Sent = { text: string; values: unknown[] | undefined };

export type QueryCounter = {
  /** Statements sent since the last reset(). */
  readonly count: number;
  readonly sent: Sent[];
  reset(): void;
  /** Put the original functions back. */
  restore(): void;
};

function describe(args: unknown[]): Sent {
  const [first, second] = args;
  if (typeof first === "string") return { text: first, values: Array.isArray(second) ? second : undefined };
  const cfg = first as { text?: string; values?: unknown[] } | undefined;
  return { text: cfg?.text ?? String(first), values: cfg?.values ?? (Array.isArray(second) ? second : undefined) };
}

/** `keep`: record only the statements it accepts (long runs: keeps memory small). */
export function countQueries(handle: DbHandle, keep?: (text: string) => boolean): QueryCounter {
  const sent: Sent[] = [];
  const record = (args: unknown[]) => {
    const s = describe(args);
    if (!keep || keep(s.text)) sent.push(keep ? { text: s.text, values: undefined } : s);
  };
  let restore: () => void;
  if (handle.kind === "postgres") {
    const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
    const original = proto.query;
    proto.query = function (this: unknown, ...args: unknown[]) {
      record(args);
      return original.apply(this, args);
    };
    restore = () => {
      proto.query = original;
    };
  } else {
    const lite = handle.pglite as unknown as Record<"query" | "exec", (...a: unknown[]) => unknown>;
    const own = Object.hasOwn(lite, "query");
    const query = lite.query;
    const exec = lite.exec;
    lite.query = function (this: unknown, ...args: unknown[]) {
      record(args);
      return query.apply(this, args);
    };
    lite.exec = function (this: unknown, ...args: unknown[]) {
      record(args);
      return exec.apply(this, args);
    };
    restore = () => {
      if (own) {
        lite.query = query;
        lite.exec = exec;
      } else {
        delete (lite as Partial<typeof lite>).query;
        delete (lite as Partial<typeof lite>).exec;
      }
    };
  }
  return {
    get count() {
      return sent.length;
    },
    sent,
    reset() {
      sent.length = 0;
    },
    restore,
  };
}
