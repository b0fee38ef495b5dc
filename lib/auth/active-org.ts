import "server-only";
import { cookies } from "next/headers";
import { ACTIVE_ORG_COOKIE } from "./context";

/** Remember the organization the user works in. Only a hint: every request re-checks membership. */
export async function setActiveOrgCookie(orgId: string) {
  (await cookies()).set(ACTIVE_ORG_COOKIE, orgId, { httpOnly: true, sameSite: "lax", path: "/", maxAge: 365 * 24 * 3600 });
}
