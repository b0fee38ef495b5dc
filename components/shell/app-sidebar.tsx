"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { Activity, Blocks, Cable, Database, Home, Plug, Settings, Shuffle, Webhook } from "lucide-react";
import { cn } from "@/lib/utils";

const nav = [
  { href: "/", label: "Home", icon: Home },
  { href: "/integrations", label: "Integrations", icon: Blocks },
  { href: "/connections", label: "Connections", icon: Plug },
  { href: "/health", label: "Health", icon: Activity },
  { href: "/webhooks", label: "Webhooks", icon: Webhook },
  { href: "/records", label: "Records", icon: Database },
  { href: "/mappings", label: "Mappings", icon: Shuffle },
  { href: "/settings", label: "Settings", icon: Settings },
];

export function AppSidebar() {
  const pathname = usePathname();
  return (
    <aside className="hidden w-56 shrink-0 border-r bg-muted/30 md:flex md:flex-col">
      <Link href="/" className="flex h-14 items-center gap-2 border-b px-4 font-semibold">
        <Cable className="size-5 text-primary" aria-hidden />
        Patchbay
      </Link>
      <nav aria-label="Main" className="flex flex-col gap-1 p-2">
        {nav.map((item) => {
          const active = item.href === "/" ? pathname === "/" : pathname.startsWith(item.href);
          return (
            <Link
              key={item.href}
              href={item.href}
              aria-current={active ? "page" : undefined}
              className={cn(
                "flex items-center gap-2 rounded-md px-3 py-2 text-sm text-muted-foreground transition-colors hover:bg-accent hover:text-accent-foreground",
                active && "bg-accent font-medium text-accent-foreground",
              )}
            >
              <item.icon className="size-4" aria-hidden />
              {item.label}
            </Link>
          );
        })}
      </nav>
    </aside>
  );
}
