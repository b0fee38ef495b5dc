import { genericRestStreamSchema, type GenericRestStream } from "@/lib/schemas/sync";
import { AppError } from "@/lib/errors";
import { at, getter, idString, isoTime, type Page, type PageRequest, type StreamDef } from "./types";

/** The next link of an RFC 8288 Link header (`<url>; rel="next"`). */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
    if (m && /(^|;)\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2]!)) return m[1];
  }
  return undefined;
}

function parseConfig(config: Record<string, unknown>): GenericRestStream {
  const r = genericRestStreamSchema.safeParse(config);
  if (!r.success) throw new AppError("bad_request", `The stream's configuration is not valid: ${r.error.issues[0]!.message} Fix it on the connection's Sync tab.`);
  return r.data;
}

async function fetchGenericPage(req: PageRequest): Promise<Page> {
  const c = parseConfig(req.config);
  const query: Record<string, string | number | undefined> = {};
  if (req.mode === "incremental" && req.since && c.updatedSinceParam) query[c.updatedSinceParam] = req.since;
  let target = c.path;
  const token = req.token;
  if (c.pagination === "link") {
    if (typeof token?.url === "string") target = token.url;
  } else if (c.pagination === "cursor") {
    if (token?.cursor !== undefined) query[c.pageParam] = String(token.cursor);
  } else if (c.pagination === "page") {
    query[c.pageParam] = Number(token?.page ?? 1);
    query[c.pageSizeParam] = c.pageSize;
  } else if (c.pagination === "offset") {
    query[c.pageParam] = Number(token?.offset ?? 0);
    query[c.pageSizeParam] = c.pageSize;
  }
  // A link-header next URL already carries every parameter.
  const res = await req.client.request<unknown>(target, { query: typeof token?.url === "string" ? {} : query, retries: 4, timeoutMs: 60_000, signal: req.signal });
  const list = at(res.data, c.recordsPath);
  if (!Array.isArray(list)) {
    throw new AppError("upstream_error", `${c.path} did not answer with a list${c.recordsPath ? ` at "${c.recordsPath}"` : ""}. Check the records path of the ${c.entity} stream.`);
  }
  let next: Page["next"] = null;
  if (c.pagination === "link") {
    const link = nextLink(res.headers.get("link"));
    if (link) next = { url: link };
  } else if (c.pagination === "cursor") {
    const cursor = at(res.data, c.cursorPath);
    if ((typeof cursor === "string" && cursor) || typeof cursor === "number") next = { cursor: String(cursor) };
  } else if (c.pagination === "page") {
    if (list.length >= c.pageSize) next = { page: Number(token?.page ?? 1) + 1 };
  } else if (c.pagination === "offset") {
    if (list.length >= c.pageSize) next = { offset: Number(token?.offset ?? 0) + list.length };
  }
  return { records: list, next };
}

/** The stream a generic REST config describes. */
export function genericRestStream(config: Record<string, unknown>): StreamDef {
  const c = parseConfig(config);
  const id = getter(c.idPath);
  const updated = getter(c.updatedAtPath);
  return {
    entity: c.entity,
    label: c.entity,
    description: `GET ${c.path}`,
    pagination: c.pagination === "cursor" ? "cursor" : c.pagination === "page" ? "page" : c.pagination === "offset" ? "offset" : "link",
    incremental: Boolean(c.updatedAtPath),
    idOf: (raw) => idString(id(raw)),
    updatedAtOf: (raw) => (c.updatedAtPath ? isoTime(updated(raw)) : undefined),
    fetchPage: fetchGenericPage,
  };
}
