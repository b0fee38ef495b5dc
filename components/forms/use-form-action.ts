"use client";
import { useAction } from "next-safe-action/hooks";
import { useRef, type FormEvent } from "react";

type FlatErrors = { formErrors?: string[]; fieldErrors?: Record<string, string[] | undefined> };
type ActionResult<Data> = { data?: Data; serverError?: string; validationErrors?: FlatErrors };
// The shape every safe action has from the client's side; kept loose so any input type fits.
type AnyAction<Data> = (input: never) => Promise<ActionResult<Data> | undefined>;

/** FormData → plain object; checkboxes send "on" and are read as booleans by the schemas. */
export function formDataToObject(form: HTMLFormElement, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new FormData(form).entries()) {
    if (typeof value === "string") out[key] = value;
  }
  return { ...out, ...extra };
}

/**
 * Drive a form with a safe action: submit collects the fields, field errors come back keyed by
 * field name, anything else is the form-level error. Passwords are never put back into state.
 */
export function useFormAction<Data>(
  action: AnyAction<Data>,
  opts: { extra?: Record<string, unknown>; onSuccess?: (data: Data, form: HTMLFormElement | null) => void } = {},
) {
  const lastForm = useRef<HTMLFormElement | null>(null);
  const hook = useAction(action as never, {
    onSuccess: ({ data }: { data?: unknown }) => opts.onSuccess?.(data as Data, lastForm.current),
  } as never) as unknown as {
    execute: (input: unknown) => void;
    result: ActionResult<Data>;
    isPending: boolean;
    hasSucceeded: boolean;
    reset: () => void;
  };
  const errors = hook.result.validationErrors;
  return {
    onSubmit(e: FormEvent<HTMLFormElement>) {
      e.preventDefault();
      lastForm.current = e.currentTarget;
      hook.execute(formDataToObject(e.currentTarget, opts.extra));
    },
    fieldError: (name: string): string[] | undefined => errors?.fieldErrors?.[name],
    formError: hook.result.serverError ?? errors?.formErrors?.[0],
    isPending: hook.isPending,
    data: hook.result.data,
    hasSucceeded: hook.hasSucceeded,
    reset: hook.reset,
    execute: hook.execute,
  };
}
