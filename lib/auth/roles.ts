import type { Role } from "@/db/schema";

const rank: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

/** What each role may do. Members read; admins manage connections; owners also manage members and keys. */
export const permissions = {
  "org.read": "member",
  "connections.manage": "admin",
  "audit.read": "admin",
  "tokens.manage": "admin",
  "jobs.manage": "admin",
  "alerts.manage": "admin",
  "org.update": "owner",
  "members.manage": "owner",
  "keys.manage": "owner",
  "network.manage": "owner",
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof permissions;

export function roleAtLeast(role: Role, needed: Role): boolean {
  return rank[role] >= rank[needed];
}

export function can(role: Role, permission: Permission): boolean {
  return roleAtLeast(role, permissions[permission]);
}

export const roleLabels: Record<Role, string> = { owner: "Owner", admin: "Admin", member: "Member" };
