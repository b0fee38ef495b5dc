import "server-only";
import { getDb } from "@/db/client";
import { getUserByEmail, normalizeEmail } from "@/db/queries/users";
import { listUserOrganizations } from "@/db/queries/organizations";
import { clearFailures, recentFailures, recentFailuresFromIp, recordSignInAttempt } from "@/db/queries/sign-in-attempts";
import { recordAudit } from "@/lib/audit";
import { verifyPassword } from "./password";

export const SIGN_IN_WINDOW_MS = 15 * 60_000;
export const MAX_FAILURES_PER_EMAIL = 5;
export const MAX_FAILURES_PER_IP = 30;

export type CredentialsResult =
  | { ok: true; user: { id: string; email: string; name: string | null } }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "rate_limited"; retryAfterSeconds: number };

/**
 * Check an email and password. Failed attempts are counted in the database (so the limit holds
 * across processes): after 5 failures for one email in 15 minutes, or 30 from one address, every
 * attempt is refused until the window passes, even with the right password.
 */
export async function checkCredentials(emailInput: string, password: string, ip: string | null, now = new Date()): Promise<CredentialsResult> {
  const email = normalizeEmail(emailInput);
  const since = new Date(now.getTime() - SIGN_IN_WINDOW_MS);
  const failures = await recentFailures(email, since);
  const ipFailures = ip ? await recentFailuresFromIp(ip, since) : 0;
  if (failures.length >= MAX_FAILURES_PER_EMAIL || ipFailures >= MAX_FAILURES_PER_IP) {
    const oldest = failures[Math.max(0, failures.length - MAX_FAILURES_PER_EMAIL)] ?? now;
    const retryAfterSeconds = Math.max(60, Math.ceil((oldest.getTime() + SIGN_IN_WINDOW_MS - now.getTime()) / 1000));
    return { ok: false, reason: "rate_limited", retryAfterSeconds };
  }

  const user = await getUserByEmail(email);
  const valid = await verifyPassword(password, user?.passwordHash);
  if (!user || !valid) {
    await recordSignInAttempt(email, ip, false);
    if (user) {
      const orgs = await listUserOrganizations(user.id);
      await getDb().transaction(async (tx) => {
        for (const org of orgs) {
          await recordAudit(tx, { orgId: org.id, actor: { id: user.id, email }, action: "auth.sign_in_failed", ip });
        }
      });
    }
    return { ok: false, reason: "invalid" };
  }

  await clearFailures(email);
  const orgs = await listUserOrganizations(user.id);
  await getDb().transaction(async (tx) => {
    for (const org of orgs) {
      await recordAudit(tx, { orgId: org.id, actor: { id: user.id, email }, action: "auth.sign_in", ip });
    }
  });
  return { ok: true, user: { id: user.id, email: user.email, name: user.name } };
}
