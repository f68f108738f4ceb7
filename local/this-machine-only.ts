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

/** What a request addressed to another name gets, from every stand-in alike. */
export const NOT_THIS_MACHINE_MESSAGE = 'leadflow answers local requests addressed to localhost, 127.0.0.1 or [::1] only; this one names another host';

/**
 * Makes `server` answer 403 to every request whose Host is not this machine's, before any of its
 * request listeners (those added so far) sees it. Call it before the server listens.
 */
export function answerThisMachineOnly(server: Server): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (isAddressedToThisMachine(request.headers.host)) {
      for (const listener of listeners) listener(request, response);
      return;
    }
    request.resume();
    response.writeHead(403, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify({ message: NOT_THIS_MACHINE_MESSAGE }));
  });
}
