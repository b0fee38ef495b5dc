import { MEMBER, OWNER, expect, test } from "./fixtures";

test.describe.configure({ mode: "serial" });

let renameAction: { id: string; orgId: string; routerState: string } | null = null;
let secondOrgId = "";

test("first run creates the owner, then setup is closed for good", async ({ page, setup }) => {
  await setup.completeWith(OWNER);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1, name: OWNER.orgName })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link")).toHaveText(["Home", "Integrations", "Connections", "Health", "Webhooks", "Records", "Mappings", "Settings"]);
  const res = await page.goto("/setup");
  expect(res?.status()).toBe(404);
});

test("bad setup input would have been refused with field messages", async ({ page }) => {
  // The form is closed now, so check the same validation through the sign-in form instead.
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Enter an email address.")).toBeVisible();
  await expect(page.getByText("Enter your password.")).toBeVisible();
});

test("sign out, wrong password, sign in", async ({ page, signInPage, shell }) => {
  await signInPage.signIn(OWNER.email, OWNER.password);
  await expect(page).toHaveURL(/\/$/);
  await shell.signOut();
  await signInPage.signIn(OWNER.email, "not-the-password");
  await expect(signInPage.formError()).toHaveText("Wrong email or password.");
  await signInPage.signIn(OWNER.email, OWNER.password);
  await expect(page.getByRole("heading", { level: 1, name: OWNER.orgName })).toBeVisible();
});

test("owner renames the organization and adds a member", async ({ page, signInPage, members }) => {
  await signInPage.signIn(OWNER.email, OWNER.password);
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/settings/organization");
  // Remember how the rename action is called, to replay it later as a member.
  page.on("request", (req) => {
    const id = req.headers()["next-action"];
    if (req.method() === "POST" && id && req.postData()?.includes("Acme Corp")) {
      const body = JSON.parse(req.postData()!) as [{ orgId: string }];
      renameAction = { id, orgId: body[0].orgId, routerState: req.headers()["next-router-state-tree"] ?? "" };
    }
  });
  await page.getByLabel("Organization name").fill("x");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Use at least 2 characters.")).toBeVisible();
  await page.getByLabel("Organization name").fill("Acme Corp");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("org-switcher")).toHaveText(/Acme Corp/);
  expect(renameAction).not.toBeNull();

  await members.open();
  await members.addWithPassword({ ...MEMBER, email: "not-an-email" }, "member");
  await expect(page.getByRole("dialog").getByText("Enter a valid email address")).toBeVisible();
  await page.getByRole("dialog").getByLabel("Email").fill(MEMBER.email);
  await page.getByRole("dialog").getByRole("button", { name: "Add member" }).click();
  await expect(page.getByTestId(`member-${MEMBER.email}`)).toBeVisible();
  // Adding the same email again is refused on the field.
  await members.addWithPassword(MEMBER, "admin");
  await expect(page.getByRole("dialog").getByText(`${MEMBER.email} is already a member`)).toBeVisible();
});

test("a member sees the pages but no admin actions, and the server refuses them", async ({ page, signInPage }) => {
  await signInPage.signIn(MEMBER.email, MEMBER.password);
  await expect(page.getByRole("heading", { level: 1, name: "Acme Corp" })).toBeVisible();
  await page.goto("/settings/members");
  await expect(page.getByText(OWNER.email)).toBeVisible();
  await expect(page.getByRole("button", { name: "Add member" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Remove" })).toHaveCount(0);
  await page.goto("/settings/organization");
  await expect(page.getByText("Only owners can rename the organization.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Save" })).toHaveCount(0);

  // Replay the owner's rename action with the member's session: the action itself refuses.
  const res = await page.request.post("/settings/organization", {
    headers: { "next-action": renameAction!.id, "content-type": "text/plain;charset=UTF-8", accept: "text/x-component", "next-router-state-tree": renameAction!.routerState },
    data: JSON.stringify([{ orgId: renameAction!.orgId, name: "Hijacked" }]),
  });
  const text = await res.text();
  expect(text).toContain("Only owners can do this");
  expect(text).not.toContain("Hijacked");
});

test("owner creates a second organization and switches between them", async ({ page, signInPage, shell }) => {
  await signInPage.signIn(OWNER.email, OWNER.password);
  await expect(page.getByRole("heading", { level: 1, name: "Acme Corp" })).toBeVisible();
  await shell.createOrganization("Globex");
  await expect(page.getByRole("heading", { level: 1, name: "Globex" })).toBeVisible();
  await page.goto("/settings/organization");
  secondOrgId = (await page.getByText(/id [0-9a-f-]{36}/).textContent())!.match(/id ([0-9a-f-]{36})/)![1]!;
  await page.goto("/settings/members");
  await expect(page.getByText(MEMBER.email)).toHaveCount(0);
  await shell.switchTo("Acme Corp");
  await expect(page.getByRole("heading", { level: 1, name: "Acme Corp" })).toBeVisible();
});

test("a tampered organization id in an action is refused", async ({ page, signInPage }) => {
  await signInPage.signIn(MEMBER.email, MEMBER.password);
  await expect(page).toHaveURL(/\/$/);
  const res = await page.request.post("/settings/organization", {
    headers: { "next-action": renameAction!.id, "content-type": "text/plain;charset=UTF-8", accept: "text/x-component", "next-router-state-tree": renameAction!.routerState },
    data: JSON.stringify([{ orgId: secondOrgId, name: "Hijacked" }]),
  });
  expect(await res.text()).toContain("does not exist, or you are not a member of it");
});

test("the audit log lists sign-ins, member and organization changes, filterable in the URL", async ({ page, signInPage }) => {
  await signInPage.signIn(OWNER.email, OWNER.password);
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/settings/audit");
  for (const action of ["auth.sign_in", "auth.sign_in_failed", "member.added", "org.renamed", "setup.completed"]) {
    await expect(page.getByRole("cell", { name: action, exact: true }).first()).toBeVisible();
  }
  await page.goto("/settings/audit?action=member&perPage=10");
  await expect(page.getByRole("cell", { name: "member.added", exact: true })).toBeVisible();
  await expect(page.getByRole("cell", { name: "auth.sign_in", exact: true })).toHaveCount(0);
});
