import { describe, expect, it } from "vitest";
import { bearerMatches } from "./token";

describe("bearerMatches", () => {
  it("accepts exactly the configured token as a bearer credential", () => {
    expect(bearerMatches("Bearer s3cret-token", "s3cret-token")).toBe(true);
    expect(bearerMatches("bearer   s3cret-token", "s3cret-token")).toBe(true);
  });
  it("refuses a missing header, another scheme, a prefix or a longer token", () => {
    expect(bearerMatches(null, "s3cret-token")).toBe(false);
    expect(bearerMatches("Basic s3cret-token", "s3cret-token")).toBe(false);
    expect(bearerMatches("Bearer s3cret", "s3cret-token")).toBe(false);
    expect(bearerMatches("Bearer s3cret-token-and-more", "s3cret-token")).toBe(false);
    expect(bearerMatches("Bearer ", "s3cret-token")).toBe(false);
  });
});
