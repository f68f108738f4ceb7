import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

/**
 * The Host a request names when it was addressed to this machine: localhost, 127.0.0.1 or [::1], on
 * any port. Listening on 127.0.0.1 keeps the network out but not a web page the developer opens: a
 * page whose own name its site points at 127.0.0.1 once it has loaded (DNS rebinding) reaches every
 * local port as its own origin and reads the answers, the table's, the mail's and the queues' included,
 * yet its requests still name the site's host. So every local stand-in answers only these names, as
 * Vite's `server.allowedHosts` and webpack-dev-server's `allowedHosts` do. DynamoDB Local's launcher
 * (local/LoopbackDynamoDbLocal.java, `THIS_MACHINE_HOST`) holds the same rule.
 */
const THIS_MACHINE_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i;

/**
 * Further host names the developer answers to, from `LEADFLOW_ALLOWED_HOSTS` (comma-separated, any
 * port): the name a dev container's or a codespace's port forwarding sends, say. Each is a name a
 * rebinding page could use if its owner controlled it: list only names you own.
 */
export const ALLOWED_HOSTS_VARIABLE = 'LEADFLOW_ALLOWED_HOSTS';
export const allowedHostNames = (environment: Readonly<Record<string, string | undefined>> = process.env): readonly string[] =>
  (environment[ALLOWED_HOSTS_VARIABLE] ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);

/** The host names a Host header or an origin can carry, as this module matches them: letters, digits, dots and hyphens. */
const HOST_NAME = '[a-z0-9.-]+';
const HOST_NAME_ALONE = new RegExp(`^${HOST_NAME}$`, 'i');
/** Whether `name` can be an allowed name at all: one with a scheme, a port, a wildcard or brackets never matches a request. */
export const isHostName = (name: string) => HOST_NAME_ALONE.test(name);

const HOST_AND_PORT = new RegExp(`^(${HOST_NAME})(?::\\d{1,5})?$`, 'i');
/** `host` without its port, lower case, when it is a name and port as a Host header gives them. */
const hostName = (host: string) => HOST_AND_PORT.exec(host)?.[1]?.toLowerCase();

/** Whether a request's Host header names this machine, or a name allowed (a request without one does not: every browser sends it). */
export const isAddressedToThisMachine = (host: string | undefined, allowed: readonly string[] = []): boolean =>
  host !== undefined && (THIS_MACHINE_HOST.test(host) || allowed.includes(hostName(host) ?? ''));

/**
 * A page served from this machine, as browsers name it in `Origin`. A page anywhere may send a form's
 * POST to any address without asking first (no CORS preflight), and browsers name its origin in it:
 * fauxqs takes SNS's form-encoded calls, through which such a page could subscribe a leadflow queue to a
 * topic and publish into it. No AWS SDK sends an `Origin`.
 */
const THIS_MACHINE_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i;

/** The host name of an origin as browsers send it (`scheme://host[:port]`), lower case. */
const originHostName = (origin: string) => {
  const authority = /^https?:\/\/(.+)$/.exec(origin)?.[1];
  return authority === undefined ? undefined : hostName(authority);
};

/** Whether a request comes from no web page (the SDK, curl), from a page of this machine or from one of a name allowed. */
export const isFromThisMachine = (origin: string | undefined, allowed: readonly string[] = []): boolean =>
  origin === undefined || THIS_MACHINE_ORIGIN.test(origin) || allowed.includes(originHostName(origin) ?? '');

/**
 * Which web pages a local server answers: any page (the API, which websites' forms and snippets call,
 * its CORS saying which may read the answer) or this machine's pages only (every stand-in of an AWS
 * service, the demo site).
 */
export type PageCallers = 'any-page' | 'this-machine-pages';

/** What a refused request gets, from every stand-in alike. */
export const NOT_THIS_MACHINE_MESSAGE = `leadflow answers local requests addressed to localhost, 127.0.0.1 or [::1] only; this one names another host (${ALLOWED_HOSTS_VARIABLE} lists more names to answer)`;
export const NOT_THIS_MACHINE_PAGE_MESSAGE = `this leadflow stand-in answers pages of this machine only (an Origin of localhost, 127.0.0.1 or [::1]); this request came from a page elsewhere (${ALLOWED_HOSTS_VARIABLE} lists more names to answer)`;

/**
 * Makes `server` answer 403 to every request whose Host is not this machine's, or, with
 * 'this-machine-pages', that a page elsewhere sent, before any of its request listeners (those added so
 * far) sees it; the names `allowed` count as this machine's. Call it before the server listens.
 */
export function answerThisMachineOnly(server: Server, pages: PageCallers, allowed: readonly string[] = allowedHostNames()): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const refusal = !isAddressedToThisMachine(request.headers.host, allowed)
      ? NOT_THIS_MACHINE_MESSAGE
      : pages === 'this-machine-pages' && !isFromThisMachine(request.headers.origin, allowed)
        ? NOT_THIS_MACHINE_PAGE_MESSAGE
        : undefined;
    if (refusal === undefined) {
      for (const listener of listeners) listener(request, response);
      return;
    }
    request.resume();
    response.writeHead(403, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify({ message: refusal }));
  });
}
