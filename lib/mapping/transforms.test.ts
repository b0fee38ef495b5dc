import { describe, expect, it } from "vitest";
import { parseDateValue } from "./dates";
import { checkRegex } from "./regex";
import { transformSchema, type Transform } from "./schema";
import { compileTransform, StepFailure } from "./transforms";

function run(t: unknown, value: unknown, raw: unknown = {}) {
  return compileTransform(transformSchema.parse(t) as Transform)(value, raw);
}

describe("transforms", () => {
  it("changes text and lists of text", () => {
    expect(run({ op: "trim" }, "  a ")).toBe("a");
    expect(run({ op: "lower" }, ["A", 1])).toEqual(["a", 1]);
    expect(run({ op: "upper" }, 5)).toBe(5);
    expect(run({ op: "split", separator: ";" }, "a;b;c")).toEqual(["a", "b", "c"]);
    expect(run({ op: "join", separator: ", " }, ["a", null, "b", 3])).toBe("a, b, 3");
  });

  it("concat, coalesce and template read other paths of the record", () => {
    const raw = { p: { first: "Ada", last: "Lovelace", empty: "" }, alt: "x" };
    expect(run({ op: "concat", paths: ["p.last"], separator: " " }, "Ada", raw)).toBe("Ada Lovelace");
    expect(run({ op: "coalesce", paths: ["p.empty", "alt"] }, null, raw)).toBe("x");
    expect(run({ op: "coalesce", paths: ["p.empty"] }, "", raw)).toBeNull();
    expect(run({ op: "template", template: "{{p.first}} {{ p.last }} <{{value}}>" }, "v", raw)).toBe("Ada Lovelace <v>");
    expect(run({ op: "template", template: "{{p.missing}}" }, null, raw)).toBeNull();
  });

  it("replace and regex extract with literal replacements", () => {
    expect(run({ op: "replace", pattern: "[^0-9+]", replacement: "" }, "+1 (555) 010-99")).toBe("+155501099");
    expect(run({ op: "replace", pattern: "a", replacement: "$&$&", all: false }, "aaa")).toBe("$&$&aa");
    expect(run({ op: "regexExtract", pattern: "@(.+)$" }, "ada@example.com")).toBe("example.com");
    expect(run({ op: "regexExtract", pattern: "^x", group: 0 }, "abc")).toBeNull();
    expect(run({ op: "regexExtract", pattern: "a" }, { a: 1 })).toBeInstanceOf(StepFailure);
  });

  it("refuses unsafe or long patterns and stateful flags", () => {
    expect(checkRegex("(a+)+$", "")).toMatch(/Nested repetition/);
    expect(checkRegex("(\\w*)*", "")).toMatch(/Nested repetition/);
    expect(checkRegex("x".repeat(201), "")).toMatch(/200/);
    expect(checkRegex("(a)\\1", "")).toMatch(/Back-references/);
    expect(checkRegex("[", "")).toMatch(/Not a valid/);
    expect(checkRegex("ab", "g")).toMatch(/flags/);
    expect(checkRegex("^[a-z]+@[a-z]+$", "i")).toBeNull();
    expect(transformSchema.safeParse({ op: "replace", pattern: "(a+)+", replacement: "" }).success).toBe(false);
    // jsonb refuses NUL characters: they never get into a definition
    expect(transformSchema.safeParse({ op: "template", template: "a\u0000{{value}}" }).success).toBe(false);
    expect(transformSchema.safeParse({ op: "replace", pattern: "x", replacement: "\u0000" }).success).toBe(false);
  });

  it("parses numbers with either decimal mark", () => {
    expect(run({ op: "parseNumber" }, "1,234.50")).toBe(1234.5);
    expect(run({ op: "parseNumber", decimal: "," }, "1.234,50 €")).toBe(1234.5);
    expect(run({ op: "parseNumber" }, "$ 12")).toBe(12);
    expect(run({ op: "parseNumber" }, 7)).toBe(7);
    expect(run({ op: "parseNumber" }, "abc")).toBeInstanceOf(StepFailure);
  });

  it("parses booleans with default and custom words", () => {
    expect(run({ op: "parseBoolean" }, "Yes")).toBe(true);
    expect(run({ op: "parseBoolean" }, 0)).toBe(false);
    expect(run({ op: "parseBoolean", trueValues: ["active"], falseValues: ["inactive"] }, "ACTIVE")).toBe(true);
    expect(run({ op: "parseBoolean" }, "maybe")).toBeInstanceOf(StepFailure);
  });

  it("parses dates in explicit formats and refuses impossible ones", () => {
    expect(run({ op: "parseDate", format: "dd/MM/yyyy" }, "31/12/2024")).toBe("2024-12-31T00:00:00.000Z");
    expect(run({ op: "parseDate", format: "MM/dd/yyyy" }, "12/31/2024")).toBe("2024-12-31T00:00:00.000Z");
    expect(run({ op: "parseDate", format: "yyyy-MM-dd" }, "2024-02-29")).toBe("2024-02-29T00:00:00.000Z");
    expect(run({ op: "parseDate", format: "yyyy-MM-dd" }, "2023-02-29")).toBeInstanceOf(StepFailure);
    expect(run({ op: "parseDate", format: "dd.MM.yyyy" }, "01.02.2024")).toBe("2024-02-01T00:00:00.000Z");
    expect(run({ op: "parseDate", format: "epoch_s" }, 1700000000)).toBe("2023-11-14T22:13:20.000Z");
    expect(run({ op: "parseDate", format: "epoch_ms" }, "1700000000000")).toBe("2023-11-14T22:13:20.000Z");
    expect(run({ op: "parseDate", format: "iso" }, "2024-01-02T03:04:05.000+0000")).toBe("2024-01-02T03:04:05.000Z");
    expect(run({ op: "parseDate", format: "iso" }, "2024-01-02T05:04:05+02:00")).toBe("2024-01-02T03:04:05.000Z");
    expect(run({ op: "parseDate", format: "yyyy-MM-dd HH:mm:ss" }, "2024-01-02 03:04:05")).toBe("2024-01-02T03:04:05.000Z");
    expect(run({ op: "parseDate" }, "1700000000000")).toBe("2023-11-14T22:13:20.000Z");
    expect(run({ op: "parseDate", format: "iso" }, "yesterday")).toBeInstanceOf(StepFailure);
    expect(Number.isNaN(parseDateValue("2024-13-01", "iso"))).toBe(true);
    expect(Number.isNaN(parseDateValue(1e20, "epoch_ms"))).toBe(true);
  });

  it("looks values up, case-insensitively when asked", () => {
    const t = { op: "lookup", table: { closedwon: "won", closedlost: "lost" }, caseInsensitive: true };
    expect(run(t, "ClosedWon")).toBe("won");
    expect(run(t, "open")).toBe("open");
    expect(run({ ...t, onMissing: "null" }, "open")).toBeNull();
    expect(run({ ...t, onMissing: "error" }, "open")).toBeInstanceOf(StepFailure);
    // a __proto__ key in a submitted table is dropped by the schema, never reaches a prototype
    expect(run({ op: "lookup", table: JSON.parse('{"__proto__":"x"}') }, "__proto__")).toBe("__proto__");
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe("formatIso", () => {
  it("matches Date#toISOString across the supported range", async () => {
    const { formatIso } = await import("./dates");
    const fc = (await import("fast-check")).default;
    fc.assert(
      fc.property(fc.integer({ min: -62135596800000, max: 253402300799999 }), (ms) => {
        expect(formatIso(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 2000 },
    );
  });
});
