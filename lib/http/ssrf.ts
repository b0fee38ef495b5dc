import "server-only";
import dns from "node:dns";
import net from "node:net";
import ipaddr from "ipaddr.js";
import { env } from "@/lib/env";
import { EgressError } from "@/lib/http/errors";
import { egressState, type LookupAddress } from "@/lib/http/state";

// The SSRF guard. Everything Patchbay connects to on a tenant's behalf goes through `checkedAddresses`:
// egressFetch calls it from undici's connector, i.e. on the address the socket is actually opened to,
// and non-HTTP clients (SMTP) call assertPublicHost and connect to the address it returns.

type Addr = ipaddr.IPv4 | ipaddr.IPv6;
type Net = readonly [Addr, number];

const ALLOW_HINT = "An owner can allow it in Settings → Network.";

const globalUnicast = ipaddr.IPv6.parseCIDR("2000::/3");
const nat64WellKnown = ipaddr.IPv6.parseCIDR("64:ff9b::/96");

// Cloud instance-metadata endpoints hand out credentials. They are reachable only when the allowlist
// names the exact address: neither a hostname entry, nor a wider range, nor PATCHBAY_ALLOW_PRIVATE_EGRESS
// unlocks them.
const metadataAddresses = new Set(
  ["169.254.169.254", "169.254.170.2", "169.254.170.23", "100.100.100.200", "fd00:ec2::254"].map((a) => ipaddr.parse(a).toNormalizedString()),
);

function v4FromWords(hi: number | undefined, lo: number | undefined): ipaddr.IPv4 {
  const h = hi ?? 0;
  const l = lo ?? 0;
  return new ipaddr.IPv4([(h >> 8) & 0xff, h & 0xff, (l >> 8) & 0xff, l & 0xff]);
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address: the kernel connects to it over IPv4. */
function canonical(addr: Addr): Addr {
  return addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
}

function parseIp(ip: string): Addr | undefined {
  let s = ip.trim();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const zone = s.indexOf("%");
  if (zone !== -1) s = s.slice(0, zone);
  if (!ipaddr.isValid(s)) return undefined;
  try {
    return canonical(ipaddr.parse(s));
  } catch {
    return undefined;
  }
}

function isPrivateParsed(addr: Addr): boolean {
  if (addr.kind() === "ipv4") return (addr as ipaddr.IPv4).range() !== "unicast";
  const v6 = addr as ipaddr.IPv6;
  const p = v6.parts;
  const range = v6.range();
  // Addresses that embed an IPv4 address reach that address (mapped, translated, NAT64).
  if (range === "ipv4Mapped" || range === "rfc6145" || v6.match(nat64WellKnown)) return isPrivateParsed(v4FromWords(p[6], p[7]));
  // Outside 2000::/3 nothing is public unicast: ::/128, ::1, IPv4-compatible ::a.b.c.d, local-use NAT64
  // 64:ff9b:1::/48, discard 100::/64, ULA fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast ff00::/8.
  if (!v6.match(globalUnicast)) return true;
  if (range === "6to4") return isPrivateParsed(v4FromWords(p[1], p[2]));
  if (range === "teredo") return isPrivateParsed(v4FromWords(p[2], p[3])) || isPrivateParsed(v4FromWords((p[6] ?? 0) ^ 0xffff, (p[7] ?? 0) ^ 0xffff));
  // Documentation, benchmarking, ORCHID, AMT, AS112 and other special-purpose blocks inside 2000::/3.
  return range !== "unicast";
}

/**
 * True for anything that is not a public unicast address: loopback, RFC 1918, link-local (cloud metadata),
 * CGNAT, 0.0.0.0/8, multicast, broadcast, reserved and documentation ranges, IPv6 ULA/link-local/site-local,
 * and IPv6 forms that embed such an IPv4 address (mapped, NAT64, 6to4, Teredo). A string that is not an IP
 * address at all is also "not public unicast": true.
 */
export function isPrivateAddress(ip: string): boolean {
  const addr = parseIp(ip);
  return addr === undefined ? true : isPrivateParsed(addr);
}

function isMetadataAddress(addr: Addr): boolean {
  return metadataAddresses.has(addr.toNormalizedString());
}

// ---------------------------------------------------------------------------------------------------------
// Allowlist

export type EgressPolicy = {
  /** PATCHBAY_ALLOW_PRIVATE_EGRESS: every private address is allowed (tests, local development). */
  readonly allowAll: boolean;
  readonly hosts: ReadonlySet<string>;
  readonly nets: readonly Net[];
  /** Identifies the policy: connections are pooled per policy, never shared between two. */
  readonly key: string;
};

const hostnamePattern = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/;

type ParsedEntry = { kind: "host"; host: string } | { kind: "net"; net: Net };

function parseEntry(entry: string): ParsedEntry | undefined {
  const raw = entry.trim().toLowerCase();
  if (!raw) return undefined;
  if (raw.includes("/")) {
    if (!ipaddr.isValidCIDR(raw)) return undefined;
    const [addr, prefix] = ipaddr.parseCIDR(raw);
    if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96) {
      return { kind: "net", net: [(addr as ipaddr.IPv6).toIPv4Address(), prefix - 96] };
    }
    return { kind: "net", net: [addr, prefix] };
  }
  let host: string;
  try {
    host = normaliseHost(raw);
  } catch {
    return undefined;
  }
  if (net.isIP(host)) {
    const addr = parseIp(host)!;
    return { kind: "net", net: [addr, addr.kind() === "ipv4" ? 32 : 128] };
  }
  return hostnamePattern.test(host) ? { kind: "host", host } : undefined;
}

/** Whether an allowlist entry is usable: a hostname, an IPv4/IPv6 address, or a CIDR range. */
export function isValidAllowlistEntry(entry: string): boolean {
  return parseEntry(entry) !== undefined;
}

/** The policy for one call: the caller's allowlist (invalid entries are ignored) plus the environment. */
export function egressPolicy(allowPrivate: readonly string[] = []): EgressPolicy {
  const allowAll = env().PATCHBAY_ALLOW_PRIVATE_EGRESS;
  const hosts = new Set<string>();
  const nets: Net[] = [];
  const keys: string[] = [];
  for (const entry of allowPrivate) {
    const parsed = parseEntry(entry);
    if (!parsed) continue;
    if (parsed.kind === "host") {
      hosts.add(parsed.host);
      keys.push(parsed.host);
    } else {
      nets.push(parsed.net);
      keys.push(`${parsed.net[0].toNormalizedString()}/${parsed.net[1]}`);
    }
  }
  return { allowAll, hosts, nets, key: `${allowAll ? "all" : "public"}|${[...new Set(keys)].sort().join(",")}` };
}

function inNets(addr: Addr, nets: readonly Net[], exactOnly = false): boolean {
  return nets.some(([range, prefix]) => {
    if (range.kind() !== addr.kind()) return false;
    if (exactOnly && prefix !== (range.kind() === "ipv4" ? 32 : 128)) return false;
    return (addr as ipaddr.IPv4).match(range as ipaddr.IPv4, prefix);
  });
}

type Verdict = { ok: true } | { ok: false; reason: "private" | "metadata" };

function verdict(addr: Addr, host: string | undefined, policy: EgressPolicy): Verdict {
  if (isMetadataAddress(addr)) return inNets(addr, policy.nets, true) ? { ok: true } : { ok: false, reason: "metadata" };
  if (!isPrivateParsed(addr)) return { ok: true };
  if (policy.allowAll) return { ok: true };
  if (host !== undefined && policy.hosts.has(host)) return { ok: true };
  if (inNets(addr, policy.nets)) return { ok: true };
  return { ok: false, reason: "private" };
}

function blockedError(ip: string, host: string | undefined, reason: "private" | "metadata"): EgressError {
  const subject = host === undefined ? `${ip} is` : `${host} resolves to ${ip},`;
  const message =
    reason === "metadata"
      ? `Blocked: ${subject} a cloud metadata address. Only an allowlist entry for exactly ${ip} unlocks it.`
      : `Blocked: ${subject} a private address. ${ALLOW_HINT}`;
  return new EgressError("blocked", message, { host: host ?? ip });
}

// ---------------------------------------------------------------------------------------------------------
// Host names and resolution

function badHost(input: string): EgressError {
  return new EgressError("bad_url", `"${input.slice(0, 100)}" is not a valid host name or address.`);
}

/**
 * Canonical form of a host as the WHATWG URL parser sees it: lower case, IDN as punycode, every IPv4
 * spelling (2130706433, 0177.0.0.1, 0x7f.1, 127.1) as dotted decimal, IPv6 without brackets or zone,
 * no trailing dot.
 */
export function normaliseHost(input: string): string {
  const raw = input.trim();
  if (!raw || /[\s/\\@?#]/.test(raw)) throw badHost(input);
  const bracketed = raw.includes(":") && !raw.startsWith("[") ? `[${raw}]` : raw;
  let hostname: string;
  try {
    hostname = new URL(`http://${bracketed}/`).hostname;
  } catch {
    throw badHost(input);
  }
  if (hostname.startsWith("[") && hostname.endsWith("]")) hostname = hostname.slice(1, -1);
  if (hostname.endsWith(".")) hostname = hostname.slice(0, -1);
  if (!hostname) throw badHost(input);
  return hostname;
}

const defaultLookup = async (hostname: string): Promise<readonly LookupAddress[]> => dns.promises.lookup(hostname, { all: true });

function dnsError(host: string, cause: unknown): EgressError {
  const code = (cause as { code?: string } | undefined)?.code;
  const why = code === "ENOTFOUND" || code === "ENODATA" ? "does not exist (DNS)" : "could not be resolved (DNS)";
  return new EgressError("network", `${host} ${why}.`, { host, cause });
}

/** Checks an IP literal (already normalised) against the policy; returns undefined when `host` is a name. */
export function checkLiteral(host: string, policy: EgressPolicy): string | undefined {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (!net.isIP(bare)) return undefined;
  const addr = parseIp(bare)!;
  const v = verdict(addr, undefined, policy);
  if (!v.ok) throw blockedError(addr.toString(), undefined, v.reason);
  return addr.toString();
}

/**
 * Resolves a normalised host and checks EVERY address it resolves to (one private answer among public
 * ones blocks the host: the OS may pick any). Returns the checked addresses; the caller must connect to
 * one of them and not resolve the name again.
 */
export async function checkedAddresses(host: string, policy: EgressPolicy, phase: "check" | "connect"): Promise<string[]> {
  const name = host.endsWith(".") ? host.slice(0, -1).toLowerCase() : host.toLowerCase();
  const literal = checkLiteral(name, policy);
  if (literal !== undefined) return [literal];

  let answers: readonly LookupAddress[];
  if (name === "localhost" || name.endsWith(".localhost")) {
    // RFC 6761: localhost and *.localhost are loopback whatever DNS (or /etc/hosts) says.
    answers = [{ address: "127.0.0.1", family: 4 }];
  } else {
    const lookup = egressState.lookup ?? defaultLookup;
    try {
      answers = await lookup(name, phase);
    } catch (e) {
      throw dnsError(name, e);
    }
  }
  if (answers.length === 0) throw dnsError(name, undefined);

  const addresses: string[] = [];
  for (const answer of answers) {
    const addr = parseIp(answer.address);
    if (!addr) throw blockedError(answer.address, name, "private");
    const v = verdict(addr, name, policy);
    if (!v.ok) throw blockedError(addr.toString(), name, v.reason);
    const text = addr.toString();
    if (!addresses.includes(text)) addresses.push(text);
  }
  return addresses;
}

/**
 * Resolves `host`, checks all its addresses, and returns them. For clients that open their own sockets
 * (SMTP, LDAP…): connect to a returned address (TLS servername = the host), never to the name, or a
 * second DNS answer could differ from the checked one.
 * Throws EgressError "blocked" (private and not allowed), "bad_url" (not a host), "network" (DNS failure).
 */
export async function assertPublicHost(host: string, opts: { allowPrivate?: readonly string[] } = {}): Promise<string[]> {
  return checkedAddresses(normaliseHost(host), egressPolicy(opts.allowPrivate), "check");
}

/** Parses an outgoing URL: http(s) only, no embedded credentials. Throws EgressError "bad_url". */
export function parseEgressUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw new EgressError("bad_url", "The address is not a valid URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new EgressError("bad_url", `Only http and https addresses can be called (got ${url.protocol.replace(/:$/, "")}).`, { host: url.hostname });
  }
  if (url.username || url.password) {
    throw new EgressError("bad_url", "The address contains a user name or password; send credentials in headers instead.", { host: url.hostname });
  }
  if (!url.hostname) throw new EgressError("bad_url", "The address has no host.");
  return url;
}

/** Same check as egressFetch makes, without sending anything: parse the URL, resolve its host, check every address. */
export async function assertPublicUrl(input: string | URL, opts: { allowPrivate?: readonly string[] } = {}): Promise<string[]> {
  const url = parseEgressUrl(input);
  return checkedAddresses(normaliseHost(url.hostname), egressPolicy(opts.allowPrivate), "check");
}
