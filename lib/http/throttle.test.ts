import { afterEach, describe, expect, it } from "vitest";
import { acquireSlot, configureThrottle, noteRateHeaders, resetThrottleForTests } from "./throttle";

describe("per-connection throttle", () => {
  afterEach(() => resetThrottleForTests());

  it("without a rate, slots are immediate", async () => {
    const t = Date.now();
    for (let i = 0; i < 50; i++) await acquireSlot("free");
    expect(Date.now() - t).toBeLessThan(50);
  });

  it("paces one connection at its requests per second, shared by every caller; another connection is not slowed", async () => {
    configureThrottle("c1", 10);
    const t = Date.now();
    await Promise.all(Array.from({ length: 11 }, () => acquireSlot("c1")));
    // Burst of 10, then one more 100 ms later.
    expect(Date.now() - t).toBeGreaterThanOrEqual(90);
    const t2 = Date.now();
    await acquireSlot("c2");
    expect(Date.now() - t2).toBeLessThan(20);
  });

  it("rate headers with nothing remaining pause the connection until the reset", async () => {
    noteRateHeaders("c3", new Headers({ "x-hubspot-ratelimit-remaining": "0", "x-hubspot-ratelimit-interval-milliseconds": "300" }));
    const t = Date.now();
    await acquireSlot("c3");
    expect(Date.now() - t).toBeGreaterThanOrEqual(280);
    noteRateHeaders("c4", new Headers({ "x-ratelimit-remaining": "5", "x-ratelimit-reset": "30" }));
    const t2 = Date.now();
    await acquireSlot("c4");
    expect(Date.now() - t2).toBeLessThan(20);
  });

  it("a caller that aborts while waiting does not block the ones behind it", async () => {
    configureThrottle("c5", 2);
    await acquireSlot("c5");
    await acquireSlot("c5");
    const ac = new AbortController();
    const waiting = acquireSlot("c5", ac.signal);
    ac.abort(new Error("gave up"));
    await expect(waiting).rejects.toThrow("gave up");
    await acquireSlot("c5");
  });
});
