"use server";
import { sendEmail } from "@/lib/runtime/email";
import { orgAction } from "@/lib/safe-action";
import { connectionRefSchema } from "@/lib/schemas/connection";
import { emailSchema } from "@/lib/schemas/account";

export const sendTestEmailAction = orgAction
  .metadata({ name: "sendTestEmail", permission: "connections.manage" })
  .inputSchema(connectionRefSchema.extend({ to: emailSchema }))
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await sendEmail({
      orgId: ctx.org.id,
      connectionId: p.connectionId,
      to: p.to,
      subject: `Patchbay test email for ${ctx.org.name}`,
      text: `This is a test email sent by ${ctx.user.email} from Patchbay to check the connection. No action is needed.`,
    });
    return { ms: r.attempts.at(-1)?.ms ?? 0, messageId: r.messageId ?? null };
  });
