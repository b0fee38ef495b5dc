import { describe, expect, it } from "vitest";
import { compileGetter, formatPath, parsePath } from "./paths";

function get(path: string, raw: unknown) {
  const p = parsePath(path);
  if (!p.ok) throw new Error(p.message);
  return compileGetter(p.segments)(raw);
}

describe("paths", () => {
  it("parses dots, indexes and quoted keys", () => {
    expect(parsePath("properties.email")).toEqual({ ok: true, segments: ["properties", "email"] });
    expect(parsePath("addresses[0].city")).toEqual({ ok: true, segments: ["addresses", 0, "city"] });
    expect(parsePath('fields["Display Name"]')).toEqual({ ok: true, segments: ["fields", "Display Name"] });
    expect(parsePath("a[1][2]")).toEqual({ ok: true, segments: ["a", 1, 2] });
  });

  it("refuses malformed paths with a reason", () => {
    for (const bad of ["", ".a", "a.", "a..b", "a[", "a[x]", "a b", "a]b"]) {
      const p = parsePath(bad);
      expect(p.ok, bad).toBe(false);
    }
  });

  it("refuses prototype segments in any form", () => {
    for (const bad of ["__proto__", "a.__proto__", 'a["__proto__"]', "constructor.prototype", "a.constructor"]) {
      const p = parsePath(bad);
      expect(p.ok, bad).toBe(false);
      if (!p.ok) expect(p.message).toMatch(/cannot be used/);
    }
  });

  it("reads own properties only", () => {
    expect(get("properties.email", { properties: { email: "a@b.co" } })).toBe("a@b.co");
    expect(get("addresses[1].city", { addresses: [{ city: "A" }, { city: "B" }] })).toBe("B");
    expect(get("toString", {})).toBeUndefined();
    expect(get("a.length", { a: "text" })).toBeUndefined();
    expect(get("a.b.c.d", { a: { b: null } })).toBeUndefined();
    expect(get("a[0]", { a: { 0: "x" } })).toBe("x");
    expect(get("a.x", { a: [1] })).toBeUndefined();
    expect(get("a.b.c", { a: { b: { c: 3 } } })).toBe(3);
  });

  it("formats segments back into a parseable path", () => {
    const segs = ["fields", "Display Name", 0, "x"];
    const text = formatPath(segs);
    expect(text).toBe('fields["Display Name"][0].x');
    expect(parsePath(text)).toEqual({ ok: true, segments: segs });
  });
});
