import { test as base, expect, type Locator, type Page } from "@playwright/test";

export const OWNER = { name: "Olivia Owner", email: "owner@acme.test", password: "owner-password-1", orgName: "Acme" };
export const MEMBER = { name: "Max Member", email: "max@acme.test", password: "member-password-1" };

/**
 * Click a trigger until what it opens is visible. Right after a navigation the button can be in
 * the server HTML before React has hydrated it, and that first click does nothing.
 */
export async function clickUntilVisible(trigger: Locator, opened: Locator) {
  await expect(async () => {
    if (!(await opened.isVisible())) await trigger.click();
    await expect(opened).toBeVisible({ timeout: 1_500 });
  }).toPass({ timeout: 20_000 });
}

/** Sign in as the owner, completing first-run setup if this server is fresh (specs can run alone). */
export async function signInAsOwner(page: Page) {
  await page.goto("/sign-in");
  if (page.url().endsWith("/setup")) {
    await new SetupPage(page).completeWith(OWNER);
  } else {
    await new SignInPage(page).signIn(OWNER.email, OWNER.password);
  }
  await expect(page.getByTestId("user-menu")).toBeVisible();
}

export class SetupPage {
  constructor(private page: Page) {}
  async completeWith(u: typeof OWNER) {
    await this.page.goto("/");
    await expect(this.page).toHaveURL(/\/setup$/);
    await this.page.getByLabel("Your name").fill(u.name);
    await this.page.getByLabel("Email").fill(u.email);
    await this.page.getByLabel("Password").fill(u.password);
    await this.page.getByLabel("Organization name").fill(u.orgName);
    await this.page.getByRole("button", { name: "Create owner account" }).click();
  }
}

export class SignInPage {
  constructor(private page: Page) {}
  async signIn(email: string, password: string) {
    await this.page.goto("/sign-in");
    await this.page.getByLabel("Email").fill(email);
    await this.page.getByLabel("Password").fill(password);
    await this.page.getByRole("button", { name: "Sign in", exact: true }).click();
  }
  formError() {
    return this.page.getByTestId("form-error");
  }
}

export class Shell {
  constructor(private page: Page) {}
  async signOut() {
    await clickUntilVisible(this.page.getByTestId("user-menu"), this.page.getByRole("menuitem", { name: "Sign out" }));
    await this.page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(this.page).toHaveURL(/\/sign-in/);
  }
  orgSwitcher() {
    return this.page.getByTestId("org-switcher");
  }
  async createOrganization(name: string) {
    await clickUntilVisible(this.orgSwitcher(), this.page.getByRole("menuitem", { name: "New organization" }));
    await this.page.getByRole("menuitem", { name: "New organization" }).click();
    await this.page.getByLabel("Organization name").fill(name);
    await this.page.getByRole("button", { name: "Create organization" }).click();
    await expect(this.orgSwitcher()).toHaveText(new RegExp(name));
  }
  async switchTo(name: string) {
    await clickUntilVisible(this.orgSwitcher(), this.page.getByRole("menuitem", { name: new RegExp(name) }));
    await this.page.getByRole("menuitem", { name: new RegExp(name) }).click();
    await expect(this.orgSwitcher()).toHaveText(new RegExp(name));
  }
}

export class MembersPage {
  constructor(private page: Page) {}
  async open() {
    await this.page.goto("/settings/members");
  }
  async addWithPassword(m: { name: string; email: string; password: string }, role: "owner" | "admin" | "member") {
    const dialog = this.page.getByRole("dialog");
    await clickUntilVisible(this.page.getByRole("button", { name: "Add member" }), dialog);
    await dialog.getByLabel("Email").fill(m.email);
    await dialog.getByLabel("Name").fill(m.name);
    await dialog.getByLabel("Role").selectOption(role);
    await dialog.getByRole("textbox", { name: "Initial password" }).fill(m.password);
    await dialog.getByRole("button", { name: "Add member" }).click();
  }
}

export const test = base.extend<{ setup: SetupPage; signInPage: SignInPage; shell: Shell; members: MembersPage }>({
  setup: async ({ page }, provide) => provide(new SetupPage(page)),
  signInPage: async ({ page }, provide) => provide(new SignInPage(page)),
  shell: async ({ page }, provide) => provide(new Shell(page)),
  members: async ({ page }, provide) => provide(new MembersPage(page)),
});

export { expect };
