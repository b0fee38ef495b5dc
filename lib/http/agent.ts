import "server-only";
import { Agent, buildConnector } from "undici";
import { checkedAddresses, type EgressPolicy } from "@/lib/http/ssrf";
import { egressState } from "@/lib/http/state";

const MAX_AGENTS = 32;
const RETRY_NEXT_ADDRESS = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "UND_ERR_CONNECT_TIMEOUT"]);

type Connector = buildConnector.connector;
type ConnectOptions = buildConnector.Options;
type ConnectCallback = buildConnector.Callback;

function connectFirst(base: Connector, addresses: readonly string[], index: number, options: ConnectOptions, callback: ConnectCallback): void {
  // `host` (name:port) stays as it was, so TLS SNI and certificate checks still use the host name.
  base({ ...options, hostname: addresses[index]! }, (...args) => {
    const [err] = args;
    const code = (err as { code?: string } | null)?.code;
    if (err && index + 1 < addresses.length && code && RETRY_NEXT_ADDRESS.has(code)) {
      connectFirst(base, addresses, index + 1, options, callback);
      return;
    }
    callback(...args);
  });
}

/**
 * The connector is where the SSRF guard runs: undici asks it for a socket to `hostname`; it resolves the
 * name once, checks every address against the policy, and connects to a checked address. There is no
 * second resolution that a DNS-rebinding server could answer differently.
 */
function guardedConnector(policy: EgressPolicy): Connector {
  const base = buildConnector({ timeout: 10_000 });
  return (options, callback) => {
    checkedAddresses(options.hostname, policy, "connect").then(
      (addresses) => connectFirst(base, addresses, 0, options, callback),
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), null),
    );
  };
}

/**
 * One undici Agent per policy. Pooled keep-alive sockets are only reused under the policy that opened
 * them, so a connection allowed by one caller's allowlist is never handed to a caller without it.
 */
export function agentFor(policy: EgressPolicy): Agent {
  const agents = egressState.agents;
  const existing = agents.get(policy.key);
  if (existing) {
    agents.delete(policy.key);
    agents.set(policy.key, existing);
    return existing;
  }
  const agent = new Agent({
    connect: guardedConnector(policy),
    keepAliveTimeout: 4_000,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  agents.set(policy.key, agent);
  while (agents.size > MAX_AGENTS) {
    const [oldestKey, oldest] = agents.entries().next().value!;
    agents.delete(oldestKey);
    oldest.close().catch(() => undefined);
  }
  return agent;
}

/** Closes every pooled connection (tests; a changed lookup hook must not meet old sockets). */
export async function closeAgents(): Promise<void> {
  const agents = [...egressState.agents.values()];
  egressState.agents.clear();
  await Promise.all(agents.map((a) => a.destroy().catch(() => undefined)));
}
