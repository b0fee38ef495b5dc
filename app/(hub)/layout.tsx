import { AppSidebar } from "@/components/shell/app-sidebar";
import { OrgSwitcher } from "@/components/shell/org-switcher";
import { UserMenu } from "@/components/shell/user-menu";
import { requireOrgContext } from "@/lib/auth/context";

export const dynamic = "force-dynamic";

export default async function HubLayout({ children }: { children: React.ReactNode }) {
  // Not a security boundary (every page and action checks again); this only picks the chrome.
  const ctx = await requireOrgContext();
  return (
    <div className="flex min-h-screen">
      <AppSidebar />
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex h-14 items-center justify-between gap-4 border-b px-4">
          <OrgSwitcher current={{ id: ctx.org.id, name: ctx.org.name, role: ctx.role }} orgs={ctx.orgs.map((o) => ({ id: o.id, name: o.name, role: o.role }))} />
          <UserMenu name={ctx.user.name} email={ctx.user.email} />
        </header>
        <main className="flex-1 p-6">{children}</main>
      </div>
    </div>
  );
}
