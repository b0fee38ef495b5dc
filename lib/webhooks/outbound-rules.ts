/**
 * The pure rules of outbound webhooks: which endpoints an event goes to, and when a failed
 * delivery is tried again. No I/O here, so the schedule and the filter are unit-tested directly.
 */

/** Delay before each attempt, from the previous failure (the first is immediate): 8 attempts over about 27.6 h. */
export const RETRY_SCHEDULE_MS = [0, 5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000] as const;
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length;
/** A receiver's Retry-After is honoured up to this long. */
export const MAX_RETRY_AFTER_MS = 10 * 3_600_000;
/** An endpoint that has done nothing but fail for this long is disabled (with an alert). */
export const AUTO_DISABLE_AFTER_MS = 5 * 86_400_000;
/** After a rotation, deliveries are also signed with the previous secret for this long. */
export const PREVIOUS_SECRET_TTL_MS = 24 * 3_600_000;
export const DELIVERY_TIMEOUT_MS = 15_000;

const SEGMENT = "[a-z0-9][a-z0-9_-]*";
const EVENT_TYPE = new RegExp(`^${SEGMENT}(\\.${SEGMENT})*$`);
const PATTERN = new RegExp(`^(\\*|${SEGMENT}(\\.${SEGMENT})*(\\.\\*)?)$`);

/** Why an event type is unusable, or undefined: lowercase dot-separated words ("connection.health_changed"). */
export function eventTypeProblem(type: string): string | undefined {
  if (type.length === 0 || type.length > 100) return "An event type has 1 to 100 characters.";
  if (!EVENT_TYPE.test(type)) return `"${type.slice(0, 100)}" is not an event type: use lowercase words separated by dots, like "order.created".`;
  return undefined;
}

/** The entries of an endpoint's "Event types" setting (comma- or whitespace-separated); empty means every event. */
export function parseEventTypeFilter(value: string | readonly string[] | undefined | null): string[] {
  const parts = typeof value === "string" ? value.split(/[\s,]+/) : (value ?? []);
  return [...new Set(parts.map((p) => p.trim().toLowerCase()).filter(Boolean))];
}

/** Why an "Event types" setting is invalid, or undefined. */
export function eventTypeFilterProblem(value: string): string | undefined {
  const entries = parseEventTypeFilter(value);
  if (entries.length > 50) return "List at most 50 event types or patterns.";
  const bad = entries.find((e) => !PATTERN.test(e) || e.length > 100);
  if (bad) return `"${bad.slice(0, 100)}" is neither an event type nor a pattern. Use types like "order.created" or patterns like "connection.*", separated by commas.`;
  return undefined;
}

/** Whether an event of `type` goes to an endpoint with this filter: exact types, "prefix.*" (any depth) or "*". */
export function matchesEventTypes(filter: readonly string[], type: string): boolean {
  if (filter.length === 0) return true;
  return filter.some((f) => f === "*" || f === type || (f.endsWith(".*") && type.startsWith(f.slice(0, -1))));
}

/**
 * A Retry-After header in ms (delta-seconds or an HTTP date), or undefined when absent or
 * unreadable. Capped at MAX_RETRY_AFTER_MS.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now.getTime());
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/**
 * How long after a failed attempt the next one runs, or null when the delivery is out of attempts.
 * `attemptsMade` counts the failed one. A Retry-After asks for at least that long: the later of
 * the schedule and the receiver's wish wins (capped at 10 h).
 */
export function nextAttemptDelay(attemptsMade: number, retryAfterMs?: number): number | null {
  if (attemptsMade >= MAX_ATTEMPTS) return null;
  const scheduled = RETRY_SCHEDULE_MS[Math.max(1, attemptsMade)]!;
  return retryAfterMs === undefined ? scheduled : Math.max(scheduled, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}
