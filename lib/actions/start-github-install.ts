"use server";
import { cookies } from "next/headers";
import { GITHUB_SETUP_PATH, startGithubInstall } from "@/lib/connect/github-app";
import { appOrigin } from "@/lib/origin";
import { orgAction } from "@/lib/safe-action";
import { connectionRefSchema } from "@/lib/schemas/connection";

export const startGithubInstallAction = orgAction
  .metadata({ name: "startGithubInstall", permission: "connections.manage" })
  .inputSchema(connectionRefSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const origin = await appOrigin();
    const r = await startGithubInstall({ orgId: ctx.org.id, actor: ctx.user, connectionId: p.connectionId, origin, ip: ctx.ip });
    // Binds the state to this browser: the setup route refuses a state without its cookie.
    (await cookies()).set(r.cookie.name, r.cookie.value, { httpOnly: true, sameSite: "lax", path: GITHUB_SETUP_PATH, maxAge: r.cookie.maxAge, secure: origin.startsWith("https:") });
    return { url: r.url };
  });
