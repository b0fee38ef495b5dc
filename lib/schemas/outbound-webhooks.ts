import { z } from "zod";
import { connectionRefSchema } from "./connection";

export const rotateSigningSecretSchema = connectionRefSchema;
export const sendTestEventSchema = connectionRefSchema;
export const resendDeliverySchema = z.object({ orgId: z.string().min(1).max(100), deliveryId: z.string().uuid("That is not a delivery id.") });
