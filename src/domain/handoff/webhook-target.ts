import ipaddr from 'ipaddr.js';

/**
 * Where leadflow may send a webhook. A URL an admin registers must not make leadflow reach its own
 * network (server-side request forgery): loopback, private and link-local ranges, the instance
 * metadata service (169.254.169.254, fd00:ec2::254) and every other special-purpose range are
 * refused, as literals in the URL and as what a host name resolves to. ipaddr.js names the ranges;
 * only its `unicast` range (public addresses) is allowed, with an IPv4-mapped IPv6 address
 * (::ffff:127.0.0.1) judged as the IPv4 address it carries.
 */

/** The address a URL host spells out ([::1] -> ::1, 127.0.0.1), or undefined for a host name. */
export function ipLiteral(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return ipaddr.isValid(bare) && (bare.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(bare)) ? bare : undefined;
}

/** `localhost` and its subdomains are loopback by definition (RFC 6761), whatever a resolver says. */
export const isLocalhostName = (hostname: string) => {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
};

/**
 * Why leadflow must not connect to `address`, or undefined when it may: a public unicast address,
 * or a loopback one where the deployment allows receivers on this machine (local mode).
 */
export function addressProblem(address: string, allowLoopback: boolean): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const range = ipaddr.process(address).range();
  if (range === 'unicast' || (range === 'loopback' && allowLoopback)) return undefined;
  return `${address} is not a public address (${range})`;
}

/**
 * Why the addresses a host resolved to must not be reached, or undefined when every one may: one bad
 * address among good ones is enough to refuse, since the connection could be made to any of them.
 */
export function resolvedTargetProblem(hostname: string, addresses: readonly string[], allowLoopback: boolean): string | undefined {
  if (!addresses.length) return `must resolve to an address; ${hostname} has none`;
  for (const address of addresses) {
    const problem = addressProblem(address, allowLoopback);
    if (problem) return `must reach a public address; ${hostname} resolves to ${problem}`;
  }
  return undefined;
}
