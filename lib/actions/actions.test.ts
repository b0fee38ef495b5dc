import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Every export of a "use server" file becomes a public endpoint, and Next refuses to render a page
// that imports a "use server" file exporting anything but async functions. So: actions only.
const dir = path.join(process.cwd(), "lib/actions");

describe("server action files", () => {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
  it.each(files)("%s exports only safe actions", (file) => {
    const src = fs.readFileSync(path.join(dir, file), "utf8");
    if (!src.startsWith('"use server"')) return;
    const exports = [...src.matchAll(/^export\s+(?:async\s+)?(const|function|class|let|type|interface)\s+(\w+)/gm)].map((m) => ({ kind: m[1], name: m[2] }));
    expect(exports.length).toBeGreaterThan(0);
    for (const e of exports) {
      expect(`${e.kind} ${e.name}`).toMatch(/^(const|function) \w+Action$/);
    }
  });
});
