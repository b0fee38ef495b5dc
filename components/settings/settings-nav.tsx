"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/lib/utils";

const items = [
  { href: "/settings/organization", label: "Organization" },
  { href: "/settings/members", label: "Members" },
  { href: "/settings/encryption", label: "Encryption" },
  { href: "/settings/api-tokens", label: "API tokens" },
  { href: "/settings/network", label: "Network" },
  { href: "/settings/alerts", label: "Alerts" },
  { href: "/settings/jobs", label: "Jobs" },
  { href: "/settings/audit", label: "Audit log" },
];

export function SettingsNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Settings" className="mb-6 flex gap-1 border-b">
      {items.map((i) => {
        const active = pathname.startsWith(i.href);
        return (
          <Link
            key={i.href}
            href={i.href}
            aria-current={active ? "page" : undefined}
            className={cn("-mb-px border-b-2 border-transparent px-3 py-2 text-sm text-muted-foreground hover:text-foreground", active && "border-primary font-medium text-foreground")}
          >
            {i.label}
          </Link>
        );
      })}
    </nav>
  );
}
