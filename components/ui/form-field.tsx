import * as React from "react";

import { Label } from "@/components/ui/label";
import { cn } from "@/lib/utils";

type ControlProps = {
  id?: string;
  "aria-invalid"?: React.AriaAttributes["aria-invalid"];
  "aria-describedby"?: string;
};

type FormFieldProps = {
  /** Visible label text. */
  label: React.ReactNode;
  /** The id of the control; used for the label's `for` and to derive description/error ids. */
  htmlFor: string;
  /** One or more validation messages. Empty strings / empty arrays count as "no error". */
  error?: string | string[] | null;
  /** Optional help text rendered under the control. */
  description?: React.ReactNode;
  /** Mark the label as required (visual asterisk only; set `required` on the control yourself). */
  required?: boolean;
  className?: string;
  /**
   * The form control. When it is a single React element it receives `id` (if missing),
   * `aria-invalid` and `aria-describedby` automatically.
   */
  children: React.ReactNode;
};

function normalizeErrors(error: FormFieldProps["error"]): string[] {
  if (!error) return [];
  const list = Array.isArray(error) ? error : [error];
  return list.filter((message) => typeof message === "string" && message.trim() !== "");
}

/**
 * Label + control + optional description + inline error message(s).
 * Works in both server and client components (no hooks).
 */
function FormField({
  label,
  htmlFor,
  error,
  description,
  required,
  className,
  children,
}: FormFieldProps) {
  const errors = normalizeErrors(error);
  const invalid = errors.length > 0;
  const descriptionId = description ? `${htmlFor}-description` : undefined;
  const errorIds = errors.map((_, index) =>
    index === 0 ? `${htmlFor}-error` : `${htmlFor}-error-${index}`,
  );

  let control = children;
  if (React.isValidElement<ControlProps>(children)) {
    const existing = children.props["aria-describedby"];
    const describedBy =
      [existing, descriptionId, ...errorIds].filter(Boolean).join(" ") || undefined;
    control = React.cloneElement(children, {
      id: children.props.id ?? htmlFor,
      "aria-invalid": invalid ? true : children.props["aria-invalid"],
      "aria-describedby": describedBy,
    });
  }

  return (
    <div
      data-slot="form-field"
      data-invalid={invalid ? "true" : undefined}
      className={cn("grid gap-2", className)}
    >
      <Label htmlFor={htmlFor} className={cn(invalid && "text-destructive")}>
        {label}
        {required ? (
          <span aria-hidden="true" className="text-destructive">
            *
          </span>
        ) : null}
      </Label>
      {control}
      {description ? (
        <p
          id={descriptionId}
          data-slot="form-description"
          className="text-sm text-muted-foreground"
        >
          {description}
        </p>
      ) : null}
      {errors.map((message, index) => (
        <p
          key={errorIds[index]}
          id={errorIds[index]}
          data-slot="form-message"
          className="text-sm text-destructive"
        >
          {message}
        </p>
      ))}
    </div>
  );
}

export { FormField };
export type { FormFieldProps };
