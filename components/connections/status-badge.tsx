import { Badge } from "@/components/ui/badge";

const statusVariant: Record<string, "success" | "warning" | "destructive" | "secondary" | "outline"> = {
  active: "success",
  pending: "secondary",
  configuring: "secondary",
  inactive: "outline",
  error: "destructive",
  needs_reauth: "warning",
};
const statusLabel: Record<string, string> = {
  active: "Active",
  pending: "Pending",
  configuring: "Configuring",
  inactive: "Disabled",
  error: "Error",
  needs_reauth: "Disconnected",
};

export function ConnectionStatusBadge({ status, enabled = true }: { status: string; enabled?: boolean }) {
  const s = enabled ? status : "inactive";
  return (
    <Badge variant={statusVariant[s] ?? "outline"} data-testid="connection-status">
      {statusLabel[s] ?? s}
    </Badge>
  );
}

const healthVariant: Record<string, "success" | "warning" | "destructive" | "secondary" | "outline"> = {
  healthy: "success",
  degraded: "warning",
  failing: "destructive",
  disconnected: "destructive",
  unknown: "outline",
};

const healthLabel: Record<string, string> = { healthy: "Healthy", degraded: "Degraded", failing: "Failing", disconnected: "Disconnected", unknown: "Unknown" };

export function HealthBadge({ health }: { health: string }) {
  return (
    <Badge variant={healthVariant[health] ?? "outline"} data-testid="health-status">
      {healthLabel[health] ?? health}
    </Badge>
  );
}
