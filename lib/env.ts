import path from "node:path";
import { z } from "zod";

// The only module that reads process.env. Integration settings never come from here:
// these variables only bootstrap the process (database, keys, port, logging).
const booleanish = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
      message: "must be a postgres:// or postgresql:// URL",
    }),
  PATCHBAY_DATA_DIR: z.string().default("./.data"),
  PATCHBAY_MASTER_KEYS: z.string().optional(),
  AUTH_SECRET: z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || v.length >= 32, { message: "must be at least 32 characters" }),
  AUTH_URL: z.string().url().optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  PATCHBAY_ALLOW_PRIVATE_EGRESS: booleanish,
  PATCHBAY_METRICS_TOKEN: z.string().optional(),
  PATCHBAY_DISABLE_WORKERS: booleanish,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = z.infer<typeof envSchema> & { dataDir: string; embedded: boolean };

export class EnvError extends Error {
  override name = "EnvError";
}

function parseEnv(source: NodeJS.ProcessEnv): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const variable = String(first.path[0] ?? "environment");
    const raw = source[variable];
    const shown = variable.includes("SECRET") || variable.includes("KEY") || variable.includes("TOKEN") || variable === "DATABASE_URL" ? "" : raw === undefined ? "" : ` (got "${raw}")`;
    throw new EnvError(`Invalid environment variable ${variable}: ${first.message}${shown}`);
  }
  const env = parsed.data;
  return {
    ...env,
    dataDir: path.resolve(/*turbopackIgnore: true*/ process.cwd(), env.PATCHBAY_DATA_DIR),
    embedded: env.DATABASE_URL === undefined,
  };
}

let cached: Env | undefined;

/** Validated environment. Throws EnvError naming the bad variable. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** For tests only: re-read the environment. */
export function resetEnvForTests(): void {
  cached = undefined;
}
