import { z } from "zod";

const values = z.record(z.string().max(100), z.union([z.string().max(65_536), z.boolean()])).refine((v) => Object.keys(v).length <= 100, "Too many fields.");

export const connectionNameSchema = z.string({ error: "Enter a name." }).trim().min(1, "Enter a name.").max(80, "Use at most 80 characters.");

export const createConnectionSchema = z.object({
  orgId: z.string().min(1).max(100),
  providerKey: z.string().min(1).max(60),
  platformWide: z.boolean().default(false),
  name: connectionNameSchema,
  testBeforeSave: z.boolean().default(false),
  values,
});

export const updateConnectionSchema = z.object({
  orgId: z.string().min(1).max(100),
  connectionId: z.string().min(1).max(100),
  name: connectionNameSchema,
  testBeforeSave: z.boolean().default(false),
  values,
});

export const connectionRefSchema = z.object({ orgId: z.string().min(1).max(100), connectionId: z.string().min(1).max(100) });

export const setConnectionPrioritySchema = connectionRefSchema.extend({
  priority: z.coerce.number({ error: "Enter a number." }).int("Use a whole number.").min(1, "Use 1 or more.").max(1000, "Use at most 1000."),
});
