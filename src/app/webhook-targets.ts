import { ipLiteral, resolvedTargetProblem } from '../domain/handoff/webhook-target';
import { webhookUrlProblem } from '../domain/handoff/webhook-requests';

/** Every address a host name resolves to now (A and AAAA). */
export interface HostResolver {
  resolve(hostname: string): Promise<string[]>;
}

export type WebhookTarget = { readonly allowed: true; readonly addresses: readonly string[] } | { readonly allowed: false; readonly problem: string };

/**
 * Where a webhook URL leads now: the URL is checked, its host name resolved and every address it
 * resolves to checked; the connection must then go to an address answered here. A failed look-up
 * is the resolver's error, for the caller to judge (a name that may resolve later).
 */
export async function webhookTarget(urlText: string, resolver: HostResolver, allowLoopback: boolean): Promise<WebhookTarget> {
  const urlProblem = webhookUrlProblem(urlText, allowLoopback);
  if (urlProblem) return { allowed: false, problem: urlProblem };
  const { hostname } = new URL(urlText);
  const literal = ipLiteral(hostname);
  const addresses = literal ? [literal] : await resolver.resolve(hostname);
  const problem = resolvedTargetProblem(hostname, addresses, allowLoopback);
  return problem ? { allowed: false, problem } : { allowed: true, addresses };
}

/** A look-up that failed because the name has no address, as opposed to a resolver that could not answer. */
export const isUnresolvableName = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOTFOUND' || code === 'ENODATA';
};
