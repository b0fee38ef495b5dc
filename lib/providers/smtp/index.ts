import "server-only";
import nodemailer from "nodemailer";
import { z } from "zod";
import { defineProvider, type TestResult } from "@/lib/catalog/define-provider";
import { isEgressError } from "@/lib/http";
import { assertPublicHost } from "@/lib/http/ssrf";

export const smtpConfigSchema = z.object({
  host: z.string().trim().min(1, "Enter the SMTP server's host name.").max(253).meta({ label: "Host", placeholder: "smtp.example.com", help: "The SMTP server's host name or IP address." }),
  port: z.coerce.number().int().min(1).max(65535).default(587).meta({ label: "Port", help: "587 for STARTTLS, 465 for implicit TLS, 25 for plain relays." }),
  security: z.enum(["starttls", "tls", "none"]).default("starttls").meta({ label: "Security", help: "starttls: upgrade after connecting (required). tls: TLS from the first byte. none: no encryption (internal relays only)." }),
  username: z.string().trim().max(320).optional().meta({ label: "Username", help: "Leave empty for a relay that needs no authentication." }),
  fromAddress: z.email("Enter a valid sender address, like alerts@example.com.").meta({ label: "From address", placeholder: "no-reply@example.com" }),
  fromName: z.string().trim().max(100).optional().meta({ label: "From name", placeholder: "Acme" }),
  timeoutMs: z.coerce.number().int().min(1000).max(60000).default(10000).meta({ label: "Timeout (ms)", help: "Connection and greeting timeout." }),
});

export const smtpCredentialsSchema = z.object({
  password: z.string().max(1000).optional().meta({ label: "Password", secret: true, help: "The SMTP password or app password. Stored encrypted." }),
});

export type SmtpSettings = z.output<typeof smtpConfigSchema> & z.output<typeof smtpCredentialsSchema>;

/**
 * SMTP is not HTTP, so it cannot use the egress client; it takes the same guard by hand: resolve
 * once, check every address, then connect to the checked IP (TLS still verifies the host name).
 */
export async function createGuardedSmtpTransport(s: SmtpSettings, allowPrivate: readonly string[]) {
  const [address] = await assertPublicHost(s.host, { allowPrivate });
  return createSmtpTransport(s, address);
}

export function createSmtpTransport(s: SmtpSettings, connectTo?: string) {
  return nodemailer.createTransport({
    host: connectTo ?? s.host,
    port: s.port,
    secure: s.security === "tls",
    requireTLS: s.security === "starttls",
    ignoreTLS: s.security === "none",
    auth: s.username ? { user: s.username, pass: s.password ?? "" } : undefined,
    connectionTimeout: s.timeoutMs,
    greetingTimeout: s.timeoutMs,
    socketTimeout: s.timeoutMs * 3,
    tls: { servername: s.host },
  });
}

/** Nodemailer's errors in plain words, naming the field to fix where there is one. */
export function explainSmtpError(error: unknown, s: Pick<SmtpSettings, "host" | "port">): TestResult {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const where = `${s.host}:${s.port}`;
  const reply = e.response ? ` The server said: "${e.response.slice(0, 200)}"` : "";
  switch (e.code) {
    case "EAUTH":
      return { ok: false, field: "password", message: `The SMTP server rejected the username or password.${reply}` };
    case "ECONNREFUSED":
      return { ok: false, field: "port", message: `Nothing accepts connections at ${where} (connection refused). Check the host and port.` };
    case "ENOTFOUND":
    case "EDNS":
      return { ok: false, field: "host", message: `The host name ${s.host} does not resolve.` };
    case "ETIMEDOUT":
    case "ECONNECTION":
      return { ok: false, field: "host", message: `No answer from ${where} in time. Check the host, port and any firewall.` };
    case "ESOCKET":
    case "ETLS":
      return { ok: false, field: "security", message: `The TLS handshake with ${where} failed: ${e.message}. Check the security setting.` };
    default:
      return { ok: false, message: `SMTP check failed: ${e.message ?? String(error)}${reply}` };
  }
}

export const smtp = defineProvider({
  key: "smtp",
  name: "SMTP",
  category: "email",
  description: "Send email through any SMTP server: your own relay, Amazon SES, Postmark, Mailgun or Gmail.",
  icon: "smtp.svg",
  docsUrl: "https://www.rfc-editor.org/rfc/rfc5321",
  popular: true,
  authModes: ["basic"],
  capabilities: ["send_email"],
  configSchema: smtpConfigSchema,
  credentialsSchema: smtpCredentialsSchema,
  async test(settings, ctx) {
    let transport: ReturnType<typeof createSmtpTransport>;
    try {
      transport = await createGuardedSmtpTransport(settings, ctx.allowPrivate);
    } catch (error) {
      if (isEgressError(error)) return { ok: false, field: "host", message: error.message };
      return explainSmtpError(error, settings);
    }
    const started = performance.now();
    try {
      await transport.verify();
      return { ok: true, message: `Connected to ${settings.host}:${settings.port}${settings.username ? ` and signed in as ${settings.username}` : ""}.`, details: { ms: Math.round(performance.now() - started) } };
    } catch (error) {
      return explainSmtpError(error, settings);
    } finally {
      transport.close();
    }
  },
});
