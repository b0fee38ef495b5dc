import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { computeHealth, FAILING_AFTER, MIN_CALLS, type HealthInput, type Signal } from "./status";

const t0 = Date.UTC(2026, 10, 22, 12);
/** Checks given oldest first (as they happen); computeHealth wants newest first. */
function history(outcomes: ("ok" | "error" | "auth")[]): Signal[] {
  return outcomes.map((s, i) => ({ ok: s === "ok", status: s, at: new Date(t0 + i * 60_000) })).reverse();
}
const base: HealthInput = { enabled: true, connectionStatus: "active", checks: [], callsSinceCheck: [], breaker: "closed" };
const status = (patch: Partial<HealthInput>) => computeHealth({ ...base, ...patch }).status;

describe("computeHealth", () => {
  it("is unknown before anything was observed, and when disabled", () => {
    expect(status({})).toBe("unknown");
    expect(status({ enabled: false, checks: history(["error", "error", "error"]) })).toBe("unknown");
  });

  it("verified inbound webhooks show a never-checked connection is alive, but never mask failed calls or checks", () => {
    const inbound = (n: number): Signal[] => Array.from({ length: n }, (_, i) => ({ ok: true, status: "ok", kind: "inbound", at: new Date(t0 + i * 1000) }));
    const failedCalls = (n: number): Signal[] => Array.from({ length: n }, (_, i) => ({ ok: false, status: "error", kind: "call", at: new Date(t0 + i * 1000) }));
    expect(computeHealth({ ...base, callsSinceCheck: inbound(1) })).toEqual({ status: "healthy", reason: "Verified webhook deliveries are arriving." });
    // Inbound traffic does not dilute the egress error rate.
    expect(status({ callsSinceCheck: [...inbound(50), ...failedCalls(MIN_CALLS)] })).toBe("degraded");
    expect(status({ checks: history(["ok"]), callsSinceCheck: [...inbound(50), ...failedCalls(MIN_CALLS)] })).toBe("degraded");
    expect(status({ checks: history(["error", "error"]), callsSinceCheck: inbound(10) })).toBe("failing");
    expect(status({ enabled: false, callsSinceCheck: inbound(10) })).toBe("unknown");
  });

  it("one failed check degrades, the second in a row fails", () => {
    expect(status({ checks: history(["ok", "error"]) })).toBe("degraded");
    expect(status({ checks: history(["ok", "error", "error"]) })).toBe("failing");
    expect(FAILING_AFTER).toBe(2);
  });

  it("recovers at once when a check passes again (no waiting for a window to clear)", () => {
    expect(status({ checks: history(["error", "error", "error", "error", "ok"]) })).toBe("healthy");
  });

  it("flapping ok/error alternation never reaches failing", () => {
    expect(status({ checks: history(["ok", "error", "ok", "error"]) })).toBe("degraded");
    expect(status({ checks: history(["error", "ok", "error", "ok"]) })).toBe("healthy");
  });

  it("rejected credentials and needs_reauth are disconnected", () => {
    expect(status({ checks: history(["ok", "auth"]) })).toBe("disconnected");
    expect(status({ connectionStatus: "needs_reauth", checks: history(["ok"]) })).toBe("disconnected");
  });

  it("failed calls after a passing check degrade only with enough calls", () => {
    const failed = (n: number) => Array.from({ length: n }, (_, i) => ({ ok: false, status: "unavailable", at: new Date(t0 + 10 * 60_000 + i) }));
    expect(status({ checks: history(["ok"]), callsSinceCheck: failed(MIN_CALLS - 1) })).toBe("healthy");
    expect(status({ checks: history(["ok"]), callsSinceCheck: failed(MIN_CALLS) })).toBe("degraded");
    expect(status({ callsSinceCheck: failed(MIN_CALLS) })).toBe("degraded");
  });

  it("an open breaker degrades a connection whose last check passed", () => {
    expect(status({ checks: history(["ok"]), breaker: "open" })).toBe("degraded");
    expect(status({ checks: history(["ok"]), breaker: "half-open" })).toBe("healthy");
  });

  it("property: the verdict depends on the newest checks only as documented", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<"ok" | "error">("ok", "error"), { minLength: 1, maxLength: 30 }), (outcomes) => {
        const s = status({ checks: history(outcomes) });
        let trailing = 0;
        for (let i = outcomes.length - 1; i >= 0 && outcomes[i] === "error"; i--) trailing++;
        const expected = trailing === 0 ? "healthy" : trailing >= FAILING_AFTER ? "failing" : "degraded";
        expect(s).toBe(expected);
      }),
    );
  });
});
