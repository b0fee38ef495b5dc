import { describe, expect, it } from "vitest";
import { eventTypeFilterProblem, eventTypeProblem, MAX_ATTEMPTS, matchesEventTypes, nextAttemptDelay, parseEventTypeFilter, parseRetryAfter, RETRY_SCHEDULE_MS } from "./outbound-rules";

const S = 1000;
const M = 60 * S;
const H = 60 * M;

describe("retry schedule", () => {
  it("waits 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after each failure, then gives up after the 8th attempt", () => {
    expect(MAX_ATTEMPTS).toBe(8);
    expect(RETRY_SCHEDULE_MS[0]).toBe(0);
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => nextAttemptDelay(n))).toEqual([5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H]);
    expect(nextAttemptDelay(8)).toBeNull();
    expect(nextAttemptDelay(9)).toBeNull();
  });
  it("waits at least as long as Retry-After asks, up to 10 h", () => {
    expect(nextAttemptDelay(1, 120 * S)).toBe(120 * S);
    expect(nextAttemptDelay(3, 1 * S)).toBe(30 * M);
    expect(nextAttemptDelay(2, 100 * H)).toBe(10 * H);
    expect(nextAttemptDelay(8, 1 * S)).toBeNull();
  });
  it("reads Retry-After as seconds or an HTTP date, capped at 10 h", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120 * S);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:01:30 GMT", now)).toBe(90 * S);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("999999", now)).toBe(10 * H);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
  });
});

describe("event-type filter", () => {
  it("parses a comma- or space-separated list, lowercased and deduplicated", () => {
    expect(parseEventTypeFilter(" Connection.* , order.created order.created,,")).toEqual(["connection.*", "order.created"]);
    expect(parseEventTypeFilter("")).toEqual([]);
    expect(parseEventTypeFilter(undefined)).toEqual([]);
    expect(parseEventTypeFilter(["a.b", "a.b"])).toEqual(["a.b"]);
  });
  it("matches exact types, prefix patterns at any depth and *, and everything when empty", () => {
    expect(matchesEventTypes([], "anything.at.all")).toBe(true);
    expect(matchesEventTypes(["*"], "order.created")).toBe(true);
    expect(matchesEventTypes(["order.created"], "order.created")).toBe(true);
    expect(matchesEventTypes(["order.created"], "order.created.late")).toBe(false);
    expect(matchesEventTypes(["connection.*"], "connection.health_changed")).toBe(true);
    expect(matchesEventTypes(["connection.*"], "connection.health.deep")).toBe(true);
    expect(matchesEventTypes(["connection.*"], "connection")).toBe(false);
    expect(matchesEventTypes(["connection.*"], "connections.created")).toBe(false);
    expect(matchesEventTypes(["order.created", "billing.*"], "billing.refund")).toBe(true);
  });
  it("explains invalid filters and event types", () => {
    expect(eventTypeFilterProblem("connection.*, order.created")).toBeUndefined();
    expect(eventTypeFilterProblem("*")).toBeUndefined();
    expect(eventTypeFilterProblem("order.*.created")).toMatch(/neither an event type nor a pattern/);
    expect(eventTypeFilterProblem("order..created")).toMatch(/"order..created"/);
    expect(eventTypeFilterProblem(Array.from({ length: 51 }, (_, i) => `t${i}`).join(","))).toMatch(/at most 50/);
    expect(eventTypeProblem("order.created")).toBeUndefined();
    expect(eventTypeProblem("Order Created")).toMatch(/lowercase words separated by dots/);
    expect(eventTypeProblem("order.*")).toMatch(/not an event type/);
    expect(eventTypeProblem("")).toMatch(/1 to 100/);
  });
});
