import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireDataDirLock, DatabaseLockedError } from "./client";

const dirs: string[] = [];
function tmpDir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "pb-lock-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("embedded database lock", () => {
  it("refuses a second process while the first is alive, and takes over once it is gone (killed)", async () => {
    const dir = tmpDir();
    const other = spawn("sleep", ["30"]);
    await new Promise((r) => other.once("spawn", r));
    fs.writeFileSync(path.join(dir, "pglite.lock"), String(other.pid));
    expect(() => acquireDataDirLock(dir)).toThrow(DatabaseLockedError);
    expect(() => acquireDataDirLock(dir)).toThrow(new RegExp(`in use by another Patchbay process \\(pid ${other.pid}\\)`));
    other.kill("SIGKILL");
    await new Promise((r) => other.once("exit", r));
    const release = acquireDataDirLock(dir);
    expect(fs.readFileSync(path.join(dir, "pglite.lock"), "utf8")).toBe(String(process.pid));
    release();
    expect(fs.existsSync(path.join(dir, "pglite.lock"))).toBe(false);
  });

  it("is re-entrant within one process (pages and route handlers are separate bundles)", () => {
    const dir = tmpDir();
    acquireDataDirLock(dir);
    expect(() => acquireDataDirLock(dir)).not.toThrow();
  });
});
