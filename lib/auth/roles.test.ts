import { describe, expect, it } from "vitest";
import { can, roleAtLeast } from "./roles";

describe("roles", () => {
  it("orders owner > admin > member", () => {
    expect(roleAtLeast("owner", "admin")).toBe(true);
    expect(roleAtLeast("admin", "owner")).toBe(false);
    expect(roleAtLeast("member", "member")).toBe(true);
  });
  it("lets members read, admins manage connections, owners manage members and keys", () => {
    expect(can("member", "org.read")).toBe(true);
    expect(can("member", "connections.manage")).toBe(false);
    expect(can("admin", "connections.manage")).toBe(true);
    expect(can("admin", "members.manage")).toBe(false);
    expect(can("admin", "keys.manage")).toBe(false);
    expect(can("owner", "members.manage")).toBe(true);
    expect(can("owner", "keys.manage")).toBe(true);
  });
});
