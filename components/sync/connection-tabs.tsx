import Link from "next/link";
import { cn } from "@/lib/utils";

/** Overview / Sync / Records links of a connection, styled as tabs. */
export function ConnectionTabs({ connectionId, active }: { connectionId: string; active: "overview" | "sync" }) {
  const tabs = [
    { id: "overview", label: "Overview", href: `/connections/${connectionId}` },
    { id: "sync", label: "Sync", href: `/connections/${connectionId}/sync` },
    { id: "records", label: "Records", href: `/records?connection=${connectionId}` },
  ];
  return (
    <nav aria-label="Connection sections" className="mb-4 flex gap-1 border-b">
      {tabs.map((t) => (
        <Link
          key={t.id}
          href={t.href}
          aria-current={t.id === active ? "page" : undefined}
          className={cn("-mb-px border-b-2 px-3 py-2 text-sm", t.id === active ? "border-primary font-medium text-foreground" : "border-transparent text-muted-foreground hover:text-foreground")}
          data-testid={`tab-${t.id}`}
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
