import { AlertCircle } from "lucide-react";

/** Form-level error. `data-testid` lets tests avoid Next's route announcer, which also has role=alert. */
export function FormError({ message }: { message?: string | null }) {
  if (!message) return null;
  return (
    <div data-testid="form-error" role="alert" className="flex items-start gap-2 rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive">
      <AlertCircle className="mt-0.5 size-4 shrink-0" />
      <span>{message}</span>
    </div>
  );
}
