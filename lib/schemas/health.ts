import { z } from "zod";
import { healthStatuses } from "@/db/schema/health";

export const healthRanges = ["24h", "7d"] as const;
export type HealthRange = (typeof healthRanges)[number];

/** Check interval bounds, as the connection_health check constraint has them. */
export const MIN_CHECK_INTERVAL_SECONDS = 60;
export const MAX_CHECK_INTERVAL_SECONDS = 86_400;

/** The intervals the form offers; the action accepts any whole number of seconds in bounds. */
export const checkIntervalPresets = [
  { seconds: 60, label: "Every minute" },
  { seconds: 300, label: "Every 5 minutes" },
  { seconds: 900, label: "Every 15 minutes" },
  { seconds: 1800, label: "Every 30 minutes" },
  { seconds: 3600, label: "Every hour" },
  { seconds: 21_600, label: "Every 6 hours" },
  { seconds: 43_200, label: "Every 12 hours" },
  { seconds: 86_400, label: "Every 24 hours" },
] as const;

export const healthStatusFilterSchema = z.enum(healthStatuses);

export const checkNowSchema = z.object({ orgId: z.string().min(1).max(100), connectionId: z.string().min(1).max(100) });

export const setCheckIntervalSchema = checkNowSchema.extend({
  intervalSeconds: z.coerce
    .number({ error: "Pick an interval." })
    .int("Use a whole number of seconds.")
    .min(MIN_CHECK_INTERVAL_SECONDS, "Check at most once a minute (60 seconds or more).")
    .max(MAX_CHECK_INTERVAL_SECONDS, "Check at least once a day (86400 seconds or less)."),
});
