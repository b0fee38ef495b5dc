import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { env, EnvError } from "@/lib/env";

/**
 * Read a generated secret from the data dir, creating it (mode 0600) on first use. Only used in
 * embedded mode, so a fresh clone works with no configuration while a real deployment must
 * pass its secrets explicitly.
 */
export function readOrCreateDataFile(name: string, create: () => string): { value: string; created: boolean } {
  const dir = env().dataDir;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, name);
  try {
    return { value: fs.readFileSync(file, "utf8").trim(), created: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const value = create();
  try {
    fs.writeFileSync(file, value + "\n", { mode: 0o600, flag: "wx" });
    return { value, created: true };
  } catch (e) {
    // Another bundle of this process created it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return { value: fs.readFileSync(file, "utf8").trim(), created: false };
    throw e;
  }
}

let authSecretCache: string | undefined;

export function authSecret(): string {
  if (authSecretCache) return authSecretCache;
  const e = env();
  if (e.AUTH_SECRET) return (authSecretCache = e.AUTH_SECRET);
  if (!e.embedded) {
    throw new EnvError("Invalid environment variable AUTH_SECRET: required when DATABASE_URL is set (generate one with `openssl rand -base64 33`).");
  }
  return (authSecretCache = readOrCreateDataFile("auth-secret", () => randomBytes(33).toString("base64url")).value);
}
