"use client";

import * as React from "react";
import { Progress as ProgressPrimitive } from "radix-ui";

import { cn } from "@/lib/utils";

function Progress({ className, value, max = 100, ...props }: React.ComponentProps<typeof ProgressPrimitive.Root>) {
  const pct = max > 0 && value != null ? Math.min(100, Math.max(0, (value / max) * 100)) : 0;
  return (
    <ProgressPrimitive.Root data-slot="progress" value={value} max={max} className={cn("relative h-2 w-full overflow-hidden rounded-full bg-muted", className)} {...props}>
      <ProgressPrimitive.Indicator data-slot="progress-indicator" className="h-full bg-primary transition-[width] duration-300" style={{ width: `${pct}%` }} />
    </ProgressPrimitive.Root>
  );
}

export { Progress };
