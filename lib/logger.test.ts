import { describe, expect, it } from "vitest";
import { serializeError } from "./logger";

describe("error serializer", () => {
  it("drops SQL parameters from failed-query errors (message, stack and fields)", () => {
    const e = Object.assign(new Error("Failed query: update x set y = $1\nparams: pb1.2.SEALED,$2y$hash"), { params: ["pb1.2.SEALED", "$2y$hash"] });
    e.stack = `Error: ${e.message}\n    at somewhere (file.ts:1:1)`;
    const out = JSON.stringify(serializeError(e));
    expect(out).not.toContain("SEALED");
    expect(out).not.toContain("$2y$hash");
    expect(out).toContain("Failed query: update x set y = $1");
    expect(out).toContain("at somewhere");
  });
});
