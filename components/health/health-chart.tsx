"use client";
import { Bar, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from "recharts";

export type HealthChartPoint = { t: number; p50: number | null; p95: number | null; success: number | null; total: number; failed: number };

const pad = (n: number) => String(n).padStart(2, "0");
const weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** Times are UTC, as on the rest of the page. */
function tick(t: number, range: "24h" | "7d"): string {
  const d = new Date(t);
  const hm = `${pad(d.getUTCHours())}:00`;
  return range === "24h" ? hm : `${weekday[d.getUTCDay()]} ${hm}`;
}

/** Latency (p50/p95 per bucket) and success rate of one connection's checks and calls. */
export function HealthChart({ data, range }: { data: HealthChartPoint[]; range: "24h" | "7d" }) {
  return (
    <div data-testid="health-chart" className="h-72 w-full text-xs">
      <ComposedChart responsive data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} style={{ width: "100%", height: "100%" }} accessibilityLayer>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" vertical={false} />
        <XAxis dataKey="t" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={(t: number) => tick(t, range)} stroke="var(--muted-foreground)" tickLine={false} minTickGap={24} padding={{ left: 16, right: 16 }} />
        <YAxis yAxisId="ms" stroke="var(--muted-foreground)" tickLine={false} width={56} tickFormatter={(v: number) => `${v} ms`} />
        <YAxis yAxisId="pct" orientation="right" domain={[0, 100]} stroke="var(--muted-foreground)" tickLine={false} width={44} tickFormatter={(v: number) => `${v}%`} />
        <Tooltip
          contentStyle={{ background: "var(--popover)", border: "1px solid var(--border)", borderRadius: 8, color: "var(--popover-foreground)" }}
          labelFormatter={(t) => `${new Date(Number(t)).toISOString().slice(0, 16).replace("T", " ")} UTC`}
          formatter={(value, name) => (value === null || value === undefined ? ["—", name] : name === "Success" ? [`${Number(value).toFixed(0)}%`, name] : [`${value} ms`, name])}
        />
        <Legend verticalAlign="top" height={28} iconSize={10} />
        <Bar yAxisId="pct" dataKey="success" name="Success" fill="var(--success)" fillOpacity={0.25} maxBarSize={24} isAnimationActive={false} />
        <Line yAxisId="ms" dataKey="p50" name="p50 latency" type="monotone" stroke="var(--primary)" strokeWidth={2} dot={{ r: 2.5, fill: "var(--primary)" }} connectNulls isAnimationActive={false} />
        <Line yAxisId="ms" dataKey="p95" name="p95 latency" type="monotone" stroke="var(--muted-foreground)" strokeDasharray="4 3" dot={{ r: 2, fill: "var(--muted-foreground)" }} connectNulls isAnimationActive={false} />
      </ComposedChart>
    </div>
  );
}
