import { afterEach, describe, expect, it } from "vitest";
import { env, EnvError, resetEnvForTests } from "./env";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  resetEnvForTests();
});

describe("env", () => {
  it("names the bad variable and its value", () => {
    process.env.PORT = "eighty";
    resetEnvForTests();
    expect(() => env()).toThrow(EnvError);
    expect(() => env()).toThrow(/PORT.*"eighty"/);
  });

  it("never echoes a database URL, which may hold a password", () => {
    process.env.DATABASE_URL = "mysql://user:hunter2@db/x";
    resetEnvForTests();
    expect(() => env()).toThrow(/DATABASE_URL: must be a postgres/);
    try {
      env();
    } catch (e) {
      expect(String(e)).not.toContain("hunter2");
    }
  });

  it("defaults to the embedded database in ./.data on port 3000", () => {
    delete process.env.DATABASE_URL;
    delete process.env.PORT;
    delete process.env.PATCHBAY_DATA_DIR;
    resetEnvForTests();
    const e = env();
    expect(e.embedded).toBe(true);
    expect(e.PORT).toBe(3000);
    expect(e.dataDir).toBe(`${process.cwd()}/.data`);
  });
});
