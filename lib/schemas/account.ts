import { z } from "zod";
import { roles } from "@/db/schema/tenancy";

// Shared by forms (client) and actions (server). Messages are written for the form field.
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

export const emailSchema = z
  .string({ error: "Enter an email address." })
  .trim()
  .min(1, "Enter an email address.")
  .max(320, "That email address is too long.")
  .pipe(z.email({ error: "Enter a valid email address, like name@example.com." }));

export const passwordSchema = z
  .string({ error: "Enter a password." })
  .min(PASSWORD_MIN, `Use at least ${PASSWORD_MIN} characters.`)
  .max(PASSWORD_MAX, `Use at most ${PASSWORD_MAX} characters.`);

export const personNameSchema = z.string({ error: "Enter a name." }).trim().min(1, "Enter a name.").max(100, "Use at most 100 characters.");
export const orgNameSchema = z
  .string({ error: "Enter an organization name." })
  .trim()
  .min(2, "Use at least 2 characters.")
  .max(80, "Use at most 80 characters.");

export const roleSchema = z.enum(roles, { error: "Choose owner, admin or member." });

export const setupSchema = z.object({
  name: personNameSchema,
  email: emailSchema,
  password: passwordSchema,
  orgName: orgNameSchema,
});

export const signInSchema = z.object({
  email: emailSchema,
  password: z.string().min(1, "Enter your password.").max(PASSWORD_MAX, "That password is too long."),
  callbackUrl: z.string().max(2000).optional(),
});

export const addMemberSchema = z.discriminatedUnion("mode", [
  z.object({ orgId: z.string(), mode: z.literal("password"), email: emailSchema, name: personNameSchema, role: roleSchema, password: passwordSchema }),
  z.object({ orgId: z.string(), mode: z.literal("invite"), email: emailSchema, name: z.string().max(100).optional().default(""), role: roleSchema }),
]);

export const acceptInviteSchema = z.object({
  token: z.string().min(10).max(200),
  name: z.string().trim().max(100).optional(),
  password: z.string().min(1, "Enter a password.").max(PASSWORD_MAX),
});
