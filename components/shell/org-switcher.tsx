"use client";
import { useState } from "react";
import { useRouter } from "next/navigation";
import { Check, ChevronsUpDown, Plus } from "lucide-react";
import { toast } from "sonner";
import { switchOrganizationAction } from "@/lib/actions/switch-organization";
import { CreateOrganizationForm } from "@/components/auth/create-organization-form";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";

type Org = { id: string; name: string; role: string };

export function OrgSwitcher({ current, orgs }: { current: Org; orgs: Org[] }) {
  const router = useRouter();
  const [creating, setCreating] = useState(false);

  async function switchTo(orgId: string) {
    const result = await switchOrganizationAction({ orgId });
    if (result?.serverError) toast.error(result.serverError);
    else {
      router.push("/");
      router.refresh();
    }
  }

  return (
    <>
      <DropdownMenu>
        <DropdownMenuTrigger asChild>
          <Button variant="outline" className="min-w-48 justify-between" aria-label="Switch organization" data-testid="org-switcher">
            <span className="truncate">{current.name}</span>
            <ChevronsUpDown className="size-4 opacity-60" aria-hidden />
          </Button>
        </DropdownMenuTrigger>
        <DropdownMenuContent align="start" className="w-64">
          <DropdownMenuLabel>Organizations</DropdownMenuLabel>
          {orgs.map((o) => (
            <DropdownMenuItem key={o.id} onSelect={() => o.id !== current.id && switchTo(o.id)}>
              <span className="flex-1 truncate">{o.name}</span>
              <span className="text-xs text-muted-foreground">{o.role}</span>
              {o.id === current.id ? <Check className="size-4" aria-label="current" /> : null}
            </DropdownMenuItem>
          ))}
          <DropdownMenuSeparator />
          <DropdownMenuItem onSelect={() => setCreating(true)}>
            <Plus className="size-4" aria-hidden /> New organization
          </DropdownMenuItem>
        </DropdownMenuContent>
      </DropdownMenu>
      <Dialog open={creating} onOpenChange={setCreating}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>New organization</DialogTitle>
            <DialogDescription>You become its owner. Connections and members are separate per organization.</DialogDescription>
          </DialogHeader>
          <CreateOrganizationForm onDone={() => setCreating(false)} />
        </DialogContent>
      </Dialog>
    </>
  );
}
