import { describe, expect, it } from "vitest";
import { dueLabel, formatInterval, formatMs, formatRate, relativeTime } from "./format";

describe("health formatting", () => {
  const now = new Date("2026-01-01T12:00:00Z");
  it("relative times in the past and the future", () => {
    expect(relativeTime(new Date("2026-01-01T11:59:50Z"), now)).toBe("just now");
    expect(relativeTime(new Date("2026-01-01T11:55:00Z"), now)).toBe("5 min ago");
    expect(relativeTime(new Date("2026-01-01T15:00:00Z"), now)).toBe("in 3 h");
    expect(relativeTime(new Date("2025-12-30T12:00:00Z"), now)).toBe("2 d ago");
    expect(dueLabel(new Date("2026-01-01T11:00:00Z"), now)).toBe("due now");
    expect(dueLabel(new Date("2026-01-01T12:10:00Z"), now)).toBe("in 10 min");
  });
  it("latencies, rates and intervals", () => {
    expect(formatMs(null)).toBe("—");
    expect(formatMs(42)).toBe("42 ms");
    expect(formatMs(12_345)).toBe("12.3 s");
    expect(formatRate(0)).toBe("0%");
    expect(formatRate(0.0125)).toBe("1.3%");
    expect(formatRate(0.5)).toBe("50%");
    expect(formatInterval(300)).toBe("5 min");
    expect(formatInterval(86_400)).toBe("24 h");
    expect(formatInterval(90)).toBe("90 s");
  });
});
