import { isIP } from "node:net";

/**
 * Which `Host` header values the server answers: IP literals (a rebinding attack needs a DNS
 * name), `localhost` and `*.localhost` (resolved to loopback by the client itself, RFC 6761), the
 * name it was bound to, and names the operator configured. A page whose DNS name an attacker
 * re-pointed at this machine sends its own name and gets a 403, so it cannot read the repos.
 */
export function createHostCheck(
  boundHost: string,
  allowedHosts: readonly string[],
): (host: string | undefined) => boolean {
  const allowed = new Set([boundHost, ...allowedHosts].map(normalizeName));
  return (host) => {
    if (host === undefined) return false;
    const name = hostName(host);
    if (name === null) return false;
    return isIP(name) !== 0 || name === "localhost" || name.endsWith(".localhost") || allowed.has(name);
  };
}

/** The name part of a Host header (`[::1]:80` -> `::1`, `Hub.Local.:80` -> `hub.local`), or null. */
function hostName(host: string): string | null {
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1]!.toLowerCase();
  const plain = /^([^:[\]]+)(?::\d+)?$/.exec(host);
  return plain ? normalizeName(plain[1]!) : null;
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}
