"use client";
import type { MapResult, TargetSchemaDef } from "@/lib/mapping";
import { cn } from "@/lib/utils";

function show(v: unknown): string {
  if (v === null || v === undefined) return "—";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

/** The mapping run in the browser on up to 5 sample records: one column per record, errors on their field. */
export function PreviewPanel({ target, records, results, invalidRules }: { target: TargetSchemaDef; records: { externalId: string }[]; results: MapResult[]; invalidRules: string[] }) {
  if (records.length === 0) return <p className="text-sm text-muted-foreground">No sample records yet: paste one above to see the mapping run.</p>;
  const extra = new Set<string>();
  for (const r of results) for (const k of Object.keys(r.mapped)) extra.add(k);
  const fields = [...target.fields.map((f) => f.name), ...[...extra].filter((k) => !target.fields.some((f) => f.name === k))];
  const star = results.some((r) => r.errors.some((e) => e.field === "*"));
  return (
    <div className="grid gap-2">
      {invalidRules.length > 0 ? <p className="text-xs text-warning-foreground">Not in the preview until fixed: {invalidRules.join(", ")}.</p> : null}
      <div className="overflow-x-auto rounded-md border">
        <table className="w-full text-sm" data-testid="mapping-preview">
          <thead className="bg-muted/50">
            <tr>
              <th className="px-2 py-1.5 text-left font-medium">Field</th>
              {records.map((r, i) => (
                <th key={i} className="px-2 py-1.5 text-left font-medium">
                  <span className="font-mono text-xs">{r.externalId}</span>
                  {results[i]!.errors.length > 0 ? <span className="ml-2 rounded bg-destructive/10 px-1 text-xs text-destructive">{results[i]!.errors.length} error{results[i]!.errors.length === 1 ? "" : "s"}</span> : <span className="ml-2 text-xs text-success">ok</span>}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {fields.map((f) => (
              <tr key={f} className="border-t align-top">
                <td className="px-2 py-1.5 font-mono text-xs">{f}</td>
                {results.map((r, i) => {
                  const errs = r.errors.filter((e) => e.field === f);
                  return (
                    <td key={i} className={cn("px-2 py-1.5 text-xs", errs.length > 0 && "bg-destructive/10")} data-field={f} data-testid={errs.length > 0 ? "preview-error" : undefined}>
                      <div className={cn("break-all", r.mapped[f] === null || r.mapped[f] === undefined ? "text-muted-foreground" : "")}>{show(r.mapped[f])}</div>
                      {errs.map((e, k) => (
                        <div key={k} className="mt-0.5 text-destructive">
                          {e.message}
                        </div>
                      ))}
                    </td>
                  );
                })}
              </tr>
            ))}
            {star ? (
              <tr className="border-t">
                <td className="px-2 py-1.5 text-xs">(record)</td>
                {results.map((r, i) => (
                  <td key={i} className="px-2 py-1.5 text-xs text-destructive">
                    {r.errors.filter((e) => e.field === "*").map((e) => e.message)}
                  </td>
                ))}
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </div>
  );
}
