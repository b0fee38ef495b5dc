import { z } from "zod";
import { apiScopes } from "@/db/schema/api-tokens";

export const createApiTokenSchema = z.object({
  orgId: z.string().min(1).max(100),
  name: z.string().trim().min(1, "Enter a name.").max(80, "Use at most 80 characters."),
  scopes: z.array(z.enum(apiScopes)).min(1, "Choose at least one scope."),
  expiresInDays: z.union([z.literal(0), z.coerce.number().int().min(1, "At least 1 day.").max(3650, "At most 3650 days.")]).default(90),
});
