import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { getDb } from "@/db/client";
import { testDbKinds, useTestDb } from "@/db/testing";
import { updateConnectionRow } from "@/db/queries/integrations";
import { getMembership } from "@/db/queries/memberships";
import { createUser, getUserByEmail } from "@/db/queries/users";
import { createConnection, setConnectionEnabled } from "@/lib/connections/service";
import { createOrganizationFor } from "@/lib/organizations/members";
import { completeSetup } from "@/lib/organizations/setup";
import { stopSettingsListener } from "@/lib/settings/invalidation";
import { authorizeSsoSignIn, completeSsoSignIn, listSsoConnections, resetSsoCache, ssoProviderId, ssoProviders } from "./sso";

const base = { issuer: "https://idp.example.com", clientId: "patchbay", clientAuth: "client_secret_post", clientSecret: "sso-secret-1" };

describe.each(testDbKinds())("SSO connections on %s", (kind) => {
  let handle: DbHandle;
  let actor: { id: string; email: string; isPlatformAdmin: boolean };
  let acme: { id: string; name: string };
  let beta: { id: string; name: string };
  const ids = {} as Record<"sso" | "betaSso" | "off" | "pending" | "disabled" | "platform", string>;

  async function oidcConnection(org: { id: string; name: string }, name: string, values: Record<string, unknown>, opts: { platformWide?: boolean; active?: boolean } = {}) {
    const { id } = await createConnection({ org, actor, providerKey: "oidc", platformWide: opts.platformWide ?? false, name, values: { ...base, ...values }, testBeforeSave: false, ip: null });
    // An authorization-code connection starts pending; completing the authorization makes it active.
    if (opts.active ?? true) await updateConnectionRow(id, { status: "active" }, getDb());
    return id;
  }

  beforeAll(async () => {
    handle = await useTestDb(kind);
    resetSsoCache();
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    actor = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: setup.user.isPlatformAdmin };
    acme = { id: setup.org.id, name: setup.org.name };
    const b = await createOrganizationFor(actor, "Beta Corp", null);
    beta = { id: b.id, name: b.name };
    ids.sso = await oidcConnection(acme, "Acme ID", { ssoEnabled: true, ssoAllowSignup: true, ssoButtonLabel: "Acme SSO" });
    ids.betaSso = await oidcConnection(beta, "Beta ID", { ssoEnabled: true });
    ids.off = await oidcConnection(acme, "Not for sign-in", { ssoEnabled: false });
    ids.pending = await oidcConnection(acme, "Pending", { ssoEnabled: true }, { active: false });
    ids.disabled = await oidcConnection(acme, "Disabled", { ssoEnabled: true });
    await setConnectionEnabled({ org: acme, actor, id: ids.disabled, enabled: false, ip: null });
    ids.platform = await oidcConnection(acme, "Platform ID", { ssoEnabled: true }, { platformWide: true });
  });

  beforeEach(() => resetSsoCache());

  afterAll(async () => {
    await stopSettingsListener();
    resetSsoCache();
    await handle.close();
  });

  it("lists only enabled, active, organization-scoped OIDC connections with SSO on, decrypted", async () => {
    const list = await listSsoConnections();
    expect(list.map((c) => c.connectionId).sort()).toEqual([ids.sso, ids.betaSso].sort());
    const acmeSso = list.find((c) => c.connectionId === ids.sso)!;
    expect(acmeSso).toMatchObject({ providerId: `sso-${ids.sso}`, orgId: acme.id, orgName: "Acme", label: "Acme SSO", allowSignup: true });
    expect(acmeSso.settings.clientSecret).toBe("sso-secret-1");
    expect(list.find((c) => c.connectionId === ids.betaSso)).toMatchObject({ label: "Beta ID", allowSignup: false });
  });

  it("builds Auth.js OIDC providers with PKCE, state and nonce", async () => {
    const providers = await ssoProviders();
    const p = providers.find((x) => x.id === ssoProviderId(ids.sso))!;
    expect(p).toMatchObject({ type: "oidc", name: "Acme SSO", issuer: "https://idp.example.com", clientId: "patchbay", clientSecret: "sso-secret-1", checks: ["pkce", "state", "nonce"] });
    expect(p.client).toEqual({ token_endpoint_auth_method: "client_secret_post" });
    expect(p.authorization).toEqual({ params: { scope: "openid email profile" } });
    expect(p.profile!({ sub: "u1", email: " Someone@Example.COM ", name: "S" }, {} as never)).toMatchObject({ id: "u1", email: "someone@example.com" });
  });

  it("drops a connection once it is disabled (the cache follows the change)", async () => {
    expect((await listSsoConnections()).some((c) => c.connectionId === ids.betaSso)).toBe(true);
    await setConnectionEnabled({ org: beta, actor, id: ids.betaSso, enabled: false, ip: null });
    resetSsoCache();
    expect((await listSsoConnections()).some((c) => c.connectionId === ids.betaSso)).toBe(false);
    await setConnectionEnabled({ org: beta, actor, id: ids.betaSso, enabled: true, ip: null });
  });

  it("admits members, new users when signup is on, and refuses everyone else with a reason", async () => {
    const acmeProvider = ssoProviderId(ids.sso);
    const betaProvider = ssoProviderId(ids.betaSso);
    // A member, matched by verified email (case-insensitively).
    expect(await authorizeSsoSignIn(acmeProvider, { email: "ADA@example.com", email_verified: true })).toBe(true);
    // Unverified or missing email.
    expect(await authorizeSsoSignIn(acmeProvider, { email: "ada@example.com", email_verified: false })).toBe(`/sign-in?error=sso_unverified&connection=${ids.sso}`);
    expect(await authorizeSsoSignIn(acmeProvider, { email_verified: true })).toMatch(/error=sso_unverified/);
    // Unknown user: Acme admits them, Beta does not.
    expect(await authorizeSsoSignIn(acmeProvider, { email: "new@example.com", email_verified: true })).toBe(true);
    expect(await authorizeSsoSignIn(betaProvider, { email: "new@example.com", email_verified: true })).toBe(`/sign-in?error=sso_not_member&connection=${ids.betaSso}&email=new%40example.com`);
    // A user of another organization is never pulled in by signup.
    const other = await createUser({ name: "Otto", email: "otto@example.com", passwordHash: null }, getDb());
    const gamma = await createOrganizationFor({ id: other.id, email: "otto@example.com" }, "Gamma", null);
    expect(gamma.id).toBeTruthy();
    expect(await authorizeSsoSignIn(acmeProvider, { email: "otto@example.com", email_verified: true })).toMatch(/error=sso_not_member/);
    // The user already linked to the provider account is who signs in, whatever the email says now.
    expect(await authorizeSsoSignIn(acmeProvider, { email: "ada@example.com", email_verified: true }, { id: other.id })).toMatch(/error=sso_not_member/);
    expect(await authorizeSsoSignIn(acmeProvider, { email: "otto@example.com", email_verified: true }, { id: actor.id })).toBe(true);
    // Not an SSO connection (any more).
    expect(await authorizeSsoSignIn(ssoProviderId(ids.off), { email: "ada@example.com", email_verified: true })).toMatch(/error=sso_unavailable/);
  });

  it("adds a new user as a member after Auth.js created them, and audits the sign-in", async () => {
    const user = await createUser({ name: "Nina", email: "nina@example.com", passwordHash: null }, getDb());
    await completeSsoSignIn(ssoProviderId(ids.sso), { id: user.id, email: "nina@example.com" });
    expect(await getMembership(acme.id, user.id)).toMatchObject({ role: "member" });
    // Signing in again changes nothing (no duplicate membership).
    await completeSsoSignIn(ssoProviderId(ids.sso), { id: user.id, email: "nina@example.com" });
    expect((await getUserByEmail("nina@example.com"))?.id).toBe(user.id);
  });
});
