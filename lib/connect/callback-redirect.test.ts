import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { callbackFailureRedirect } from "./callback-redirect";

class FlowError extends AppError {
  constructor(
    message: string,
    readonly connectionId?: string,
  ) {
    super("bad_request", message);
  }
}

const ORIGIN = "https://patchbay.example";
const opts = { origin: ORIGIN, route: "/api/oauth/callback", flowError: FlowError, stateCookie: "pb_oauth_abc" };

describe("callbackFailureRedirect", () => {
  it("shows a flow error's own message and connection, and clears the state cookie on the route's path", () => {
    const res = callbackFailureRedirect(new FlowError("The sign-in took too long.", "conn-1"), opts);
    expect(res.status).toBe(303);
    const target = new URL(res.headers.get("location")!);
    expect(target.origin + target.pathname).toBe(`${ORIGIN}/connections/authorization-failed`);
    expect(target.searchParams.get("message")).toBe("The sign-in took too long.");
    expect(target.searchParams.get("connection")).toBe("conn-1");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toContain("pb_oauth_abc=;");
    expect(cookie).toContain("Path=/api/oauth/callback");
    expect(cookie).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/);
  });

  it("hides an unexpected error behind an event id, names no connection, and sets no cookie without a state", () => {
    const res = callbackFailureRedirect(new Error("database exploded: password=hunter2"), { ...opts, stateCookie: null });
    const target = new URL(res.headers.get("location")!);
    expect(target.searchParams.get("message")).toMatch(/^Something went wrong on our side \(event id [0-9a-f]{8}\)/);
    expect(target.searchParams.has("connection")).toBe(false);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("shows another AppError's message but not as a flow error (no connection link)", () => {
    const res = callbackFailureRedirect(new AppError("not_found", "That connection does not exist."), opts);
    const target = new URL(res.headers.get("location")!);
    expect(target.searchParams.get("message")).toBe("That connection does not exist.");
    expect(target.searchParams.has("connection")).toBe(false);
  });

  it("caps the message at 500 characters", () => {
    const res = callbackFailureRedirect(new FlowError("x".repeat(2000)), opts);
    expect(new URL(res.headers.get("location")!).searchParams.get("message")).toHaveLength(500);
  });
});
