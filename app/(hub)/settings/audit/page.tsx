import type { SearchParams } from "nuqs/server";
import { AuditTable } from "@/components/settings/audit-table";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { auditSortable, listAuditActions, listAuditLog } from "@/db/queries/audit";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";
import { createTableSearchParamsLoader, pageCountFor, parseSort } from "@/lib/data-table/search-params";

export const metadata = { title: "Audit log" };

const loadTableState = createTableSearchParamsLoader(["action", "actor"]);

export default async function AuditPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const ctx = await requireOrgContext();
  if (!can(ctx.role, "audit.read")) {
    return (
      <Card>
        <CardHeader>
          <CardTitle>Audit log</CardTitle>
          <CardDescription>Only admins and owners can read the audit log of {ctx.org.name}.</CardDescription>
        </CardHeader>
      </Card>
    );
  }
  const state = await loadTableState(searchParams);
  const sort = parseSort(state.sort, auditSortable, { id: "at", desc: true }) as { id: (typeof auditSortable)[number]; desc: boolean };
  const [{ rows, total }, actions] = await Promise.all([
    listAuditLog(ctx.org.id, { page: state.page, perPage: state.perPage, sort, action: state.action, actor: state.actor }),
    listAuditActions(ctx.org.id),
  ]);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Audit log</CardTitle>
        <CardDescription>Sign-ins, member and role changes, organization changes and every reveal or change of a credential in {ctx.org.name}.</CardDescription>
      </CardHeader>
      <CardContent>
        <AuditTable
          actions={actions}
          totalRows={total}
          pageCount={pageCountFor(total, state.perPage)}
          rows={rows.map((r) => ({
            id: r.id,
            at: r.at.toISOString(),
            action: r.action,
            actorEmail: r.actorEmail,
            target: r.targetType ? `${r.targetType}:${r.targetId}` : null,
            details: Object.entries(r.metadata)
              .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
              .join(" "),
            ip: r.ip,
          }))}
        />
      </CardContent>
    </Card>
  );
}
