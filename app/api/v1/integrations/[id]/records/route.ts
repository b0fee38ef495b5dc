// GET /api/v1/integrations/{id}/records – the connection's synced records (mapped + raw) as a change feed (?entity, ?after cursor, ?limit ≤ 500, ?includeDeleted, ?errorsOnly)
import { getVisibleConnection } from "@/db/queries/integrations";
import { listRecordFeed, type RecordFeedCursor } from "@/db/queries/sync";
import { apiHandler, json } from "@/lib/api/route";
import { AppError } from "@/lib/errors";

export const dynamic = "force-dynamic";

function decodeCursor(value: string): RecordFeedCursor {
  const bad = () => new AppError("bad_request", "after must be the nextCursor of a previous page.");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  const c = parsed as { t?: unknown; i?: unknown };
  if (typeof c.t !== "string" || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(c.t) || !Number.isSafeInteger(c.i) || (c.i as number) < 0) throw bad();
  return { syncedAt: c.t, id: c.i as number };
}

const encodeCursor = (c: { cursorAt: string; id: number }) => Buffer.from(JSON.stringify({ t: c.cursorAt, i: c.id })).toString("base64url");

function flag(url: URL, name: string): boolean {
  const v = url.searchParams.get(name);
  if (v === null || v === "false" || v === "0") return false;
  if (v === "true" || v === "1") return true;
  throw new AppError("bad_request", `${name} must be true or false.`);
}

export const GET = apiHandler<{ id: string }>("integrations:read", async ({ req, principal, params }) => {
  const row = params.id.length <= 100 ? await getVisibleConnection(principal.orgId, params.id) : undefined;
  if (!row || row.orgId !== principal.orgId) throw new AppError("not_found", `No connection ${params.id} in this organization.`);
  const url = new URL(req.url);
  const limit = Number(url.searchParams.get("limit") ?? "100");
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new AppError("bad_request", "limit must be a whole number from 1 to 500.");
  const entity = url.searchParams.get("entity") ?? undefined;
  if (entity !== undefined && (entity.length === 0 || entity.length > 100)) throw new AppError("bad_request", "entity must be a stream's entity name.");
  const afterParam = url.searchParams.get("after");
  const after = afterParam ? decodeCursor(afterParam) : undefined;
  const rows = await listRecordFeed(principal.orgId, row.id, { entity, after, limit, includeDeleted: flag(url, "includeDeleted"), errorsOnly: flag(url, "errorsOnly") });
  const last = rows.at(-1);
  return json({
    data: rows.map((r) => ({
      entity: r.entityType,
      externalId: r.externalId,
      mapped: r.mapped,
      errors: r.errors,
      raw: r.raw,
      mappingVersionId: r.mappingVersionId,
      sourceUpdatedAt: r.sourceUpdatedAt?.toISOString() ?? null,
      syncedAt: r.cursorAt,
      deletedAt: r.deletedAt?.toISOString() ?? null,
    })),
    // Keep it and pass it as ?after= to get what changed since; the same cursor is returned when nothing did.
    nextCursor: last ? encodeCursor(last) : (afterParam ?? null),
    hasMore: rows.length === limit,
  });
});
