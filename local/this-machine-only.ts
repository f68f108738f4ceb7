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

/** Whether a request's Host header names this machine (a request without one does not: every browser sends it). */
export const isAddressedToThisMachine = (host: string | undefined): boolean => THIS_MACHINE_HOST.test(host ?? '');

/**
 * A page served from this machine, as browsers name it in `Origin`. A page anywhere may send a form's
 * POST to any address without asking first (no CORS preflight), and browsers name its origin in it:
 * fauxqs takes SNS's form-encoded calls, through which such a page could subscribe a leadflow queue to a
 * topic and publish into it. No AWS SDK sends an `Origin`.
 */
const THIS_MACHINE_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i;

/** Whether a request comes from no web page (the SDK, curl) or from a page of this machine. */
export const isFromThisMachine = (origin: string | undefined): boolean => origin === undefined || THIS_MACHINE_ORIGIN.test(origin);

/**
 * Which web pages a local server answers: any page (the API, which websites' forms and snippets call,
 * its CORS saying which may read the answer) or this machine's pages only (every stand-in of an AWS
 * service, the demo site).
 */
export type PageCallers = 'any-page' | 'this-machine-pages';

/** What a refused request gets, from every stand-in alike. */
export const NOT_THIS_MACHINE_MESSAGE = 'leadflow answers local requests addressed to localhost, 127.0.0.1 or [::1] only; this one names another host';
export const NOT_THIS_MACHINE_PAGE_MESSAGE = 'this leadflow stand-in answers pages of this machine only (an Origin of localhost, 127.0.0.1 or [::1]); this request came from a page elsewhere';

/**
 * Makes `server` answer 403 to every request whose Host is not this machine's, or, with
 * 'this-machine-pages', that a page elsewhere sent, before any of its request listeners (those added so
 * far) sees it. Call it before the server listens.
 */
export function answerThisMachineOnly(server: Server, pages: PageCallers): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const refusal = !isAddressedToThisMachine(request.headers.host)
      ? NOT_THIS_MACHINE_MESSAGE
      : pages === 'this-machine-pages' && !isFromThisMachine(request.headers.origin)
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
