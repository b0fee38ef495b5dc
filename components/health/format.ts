// Formatting shared by the health pages (server) and their client components. Times are UTC, as
// everywhere else in the app; relative labels are computed on the server so SSR and hydration agree.

export function utcLabel(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** "just now", "5 min ago", "in 3 h", "2 d ago". */
export function relativeTime(d: Date, now: Date): string {
  const diff = d.getTime() - now.getTime();
  const abs = Math.abs(diff);
  if (abs < 45_000) return diff <= 0 ? "just now" : "in a moment";
  const [n, unit] = abs < 3_600_000 ? [Math.round(abs / 60_000), "min"] : abs < 86_400_000 ? [Math.round(abs / 3_600_000), "h"] : [Math.round(abs / 86_400_000), "d"];
  return diff < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return "—";
  const pct = rate * 100;
  return `${pct === 0 || pct === 100 || pct >= 10 ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

/** 300 → "5 min", 3600 → "1 h", 90 → "90 s". */
export function formatInterval(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** A next-check time: "due now" once it has passed (the worker picks it up within a minute). */
export function dueLabel(d: Date, now: Date): string {
  return d.getTime() <= now.getTime() + 45_000 ? "due now" : relativeTime(d, now);
}
