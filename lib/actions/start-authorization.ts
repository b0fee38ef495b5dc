"use server";
import { cookies } from "next/headers";
import { startAuthorization, CALLBACK_PATH } from "@/lib/connect/oauth";
import { appOrigin } from "@/lib/origin";
import { orgAction } from "@/lib/safe-action";
import { connectionRefSchema } from "@/lib/schemas/connection";

export const startAuthorizationAction = orgAction
  .metadata({ name: "startAuthorization", permission: "connections.manage" })
  .inputSchema(connectionRefSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await startAuthorization({ orgId: ctx.org.id, actor: ctx.user, connectionId: p.connectionId, origin: await appOrigin(), ip: ctx.ip });
    // Binds the state to this browser: the callback refuses a state without its cookie.
    (await cookies()).set(r.cookie.name, r.cookie.value, { httpOnly: true, sameSite: "lax", path: CALLBACK_PATH, maxAge: r.cookie.maxAge, secure: (await appOrigin()).startsWith("https:") });
    return { url: r.url };
  });
