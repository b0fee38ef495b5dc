"use client";
import { useState } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { saveGenericStreamAction } from "@/lib/actions/sync";
import { useFormAction } from "@/components/forms/use-form-action";
import { FormError } from "@/components/forms/form-error";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "./native-select";
import { scheduleOptions } from "./streams-card";

/** Describe one list endpoint under the connection's base URL: where the records, ids and update times are, and how it pages. */
export function GenericStreamForm({ orgId, connectionId }: { orgId: string; connectionId: string }) {
  const router = useRouter();
  const [pagination, setPagination] = useState("link");
  const form = useFormAction(saveGenericStreamAction, {
    extra: { orgId, connectionId },
    onSuccess: (d, el) => {
      toast.success(`Stream ${d?.entity} saved.`);
      el?.reset();
      setPagination("link");
      router.refresh();
    },
  });
  const paged = pagination === "page" || pagination === "offset";
  return (
    <form onSubmit={form.onSubmit} className="grid gap-4" noValidate data-testid="generic-stream-form">
      <div className="grid gap-4 md:grid-cols-2">
        <FormField label="Entity name" htmlFor="g-entity" error={form.fieldError("entity")} description="How records of this stream are labelled, e.g. tickets." required>
          <Input id="g-entity" name="entity" placeholder="tickets" />
        </FormField>
        <FormField label="Endpoint path" htmlFor="g-path" error={form.fieldError("path")} description="GET, under the connection's base URL." required>
          <Input id="g-path" name="path" placeholder="/v1/tickets" />
        </FormField>
        <FormField label="Records path" htmlFor="g-records" error={form.fieldError("recordsPath")} description="Dot path of the list in the response; empty when the response is the list.">
          <Input id="g-records" name="recordsPath" placeholder="data" />
        </FormField>
        <FormField label="Id path" htmlFor="g-id" error={form.fieldError("idPath")} description="Inside each record.">
          <Input id="g-id" name="idPath" defaultValue="id" />
        </FormField>
        <FormField label="Updated-at path" htmlFor="g-updated" error={form.fieldError("updatedAtPath")} description="Inside each record; enables incremental runs (cursor = newest seen).">
          <Input id="g-updated" name="updatedAtPath" placeholder="updated_at" />
        </FormField>
        <FormField label="Updated-since parameter" htmlFor="g-since" error={form.fieldError("updatedSinceParam")} description="Query parameter that takes the cursor on incremental runs.">
          <Input id="g-since" name="updatedSinceParam" placeholder="updated_since" />
        </FormField>
        <FormField label="Pagination" htmlFor="g-pagination" error={form.fieldError("pagination")}>
          <NativeSelect id="g-pagination" name="pagination" value={pagination} onChange={(e) => setPagination(e.target.value)}>
            <option value="link">Link header (rel=&quot;next&quot;)</option>
            <option value="cursor">Cursor in the response</option>
            <option value="page">Page number</option>
            <option value="offset">Offset</option>
            <option value="none">None (one request)</option>
          </NativeSelect>
        </FormField>
        <FormField label="Schedule" htmlFor="g-schedule" error={form.fieldError("scheduleMinutes")}>
          <NativeSelect id="g-schedule" name="scheduleMinutes" defaultValue="">
            {scheduleOptions.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </NativeSelect>
        </FormField>
        {pagination === "cursor" || paged ? (
          <FormField label={pagination === "offset" ? "Offset parameter" : pagination === "page" ? "Page parameter" : "Cursor parameter"} htmlFor="g-page" error={form.fieldError("pageParam")}>
            <Input id="g-page" name="pageParam" defaultValue={pagination === "offset" ? "offset" : pagination === "cursor" ? "cursor" : "page"} key={pagination} />
          </FormField>
        ) : null}
        {pagination === "cursor" ? (
          <FormField label="Next-cursor path" htmlFor="g-cursor" error={form.fieldError("cursorPath")} description="Dot path of the next cursor in the response, e.g. meta.next_cursor.">
            <Input id="g-cursor" name="cursorPath" />
          </FormField>
        ) : null}
        {paged ? (
          <>
            <FormField label="Page size parameter" htmlFor="g-size-param" error={form.fieldError("pageSizeParam")}>
              <Input id="g-size-param" name="pageSizeParam" defaultValue={pagination === "offset" ? "limit" : "per_page"} key={pagination} />
            </FormField>
            <FormField label="Page size" htmlFor="g-size" error={form.fieldError("pageSize")}>
              <Input id="g-size" name="pageSize" type="number" min={1} max={1000} defaultValue={100} />
            </FormField>
          </>
        ) : null}
      </div>
      <FormError message={form.formError} />
      <div>
        <Button type="submit" disabled={form.isPending}>
          Add stream
        </Button>
      </div>
    </form>
  );
}
