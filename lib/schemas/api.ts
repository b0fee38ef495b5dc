import { z } from "zod";
import { connectionNameSchema } from "./connection";

const values = z.record(z.string().max(100), z.union([z.string().max(65_536), z.boolean(), z.number()])).refine((v) => Object.keys(v).length <= 100, "Too many fields.");

export const apiCreateConnectionSchema = z.object({
  providerKey: z.string().min(1).max(60),
  name: connectionNameSchema,
  values: values.default({}),
  testBeforeSave: z.boolean().default(false),
});

export const apiUpdateConnectionSchema = z
  .object({
    name: connectionNameSchema.optional(),
    values: values.optional(),
    testBeforeSave: z.boolean().default(false),
    enabled: z.boolean().optional(),
    isDefault: z.literal(true).optional(),
  })
  .refine((v) => v.name !== undefined || v.values !== undefined || v.enabled !== undefined || v.isDefault !== undefined, "Send at least one of name, values, enabled, isDefault.");

/** POST /api/v1/events: what emitEvent takes. The type and size rules are checked by emitEvent itself. */
export const apiEmitEventSchema = z.object({
  type: z.string().min(1, "Give the event type, like order.created.").max(100),
  data: z.record(z.string(), z.unknown()),
});
