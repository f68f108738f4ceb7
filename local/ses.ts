import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import sesLocal from 'aws-ses-v2-local';
import sendEmailModule from 'aws-ses-v2-local/dist/v2/sendEmail.js';
import { closeServer, LOOPBACK, parsedJson, readBody, type RunningService } from './services';
import { answerThisMachineOnly } from './this-machine-only';

/** aws-ses-v2-local's modules are CommonJS with `exports.default`: vitest unwraps them, Node's ESM loader (tsx) does not. */
const commonJsDefault = <T>(module: T): T => (typeof module === 'function' ? module : (module as unknown as { default: T }).default);

/** aws-ses-v2-local's own server: its Express app, every route as the package answers it. */
export const startSesServer = commonJsDefault(sesLocal);

/** What aws-ses-v2-local's SendEmail handler reads of Express's request and calls on its response. */
type SendEmailHandler = (request: { readonly body: unknown }, response: { status(code: number): { send(payload: unknown): void } }, next: () => void) => void;
const sendEmail = commonJsDefault(sendEmailModule as unknown) as SendEmailHandler;

/** SES v2's SendEmail, the one call every email of the local stack makes. */
const SEND_EMAIL_PATH = '/v2/email/outbound-emails';
/** The body Express's JSON parser takes in aws-ses-v2-local; a larger one goes to Express, which refuses it. */
const BODY_LIMIT_BYTES = 25 * 1024 * 1024;

/**
 * The local SES: aws-ses-v2-local, which keeps every sent email; its page at `/` shows them, `/store`
 * lists them as JSON. SendEmail is answered outside its Express app (`answerSendEmailDirectly`).
 */
export async function startSes(port: number): Promise<RunningService> {
  const server: Server = await startSesServer({ host: LOOPBACK, port });
  answerSendEmailDirectly(server);
  // The package listened already; no request is read before this continuation runs.
  answerThisMachineOnly(server, 'this-machine-pages');
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    stop: () => closeServer(server),
  };
}

/**
 * Answers SendEmail with aws-ses-v2-local's own handler, without the Express app around it: Express's
 * middleware chain, body parsing and response (an ETag hashed for every answer) cost the stack's main
 * thread more than the handler itself, 0.2-0.7 ms of CPU an email where it was measured, and a
 * campaign sends one a recipient (docs/performance.md, "The SES stand-in's send route"). Whatever
 * the handler would not see through Express as the SDK calls it (another route, no AWS authorization,
 * a body that is not JSON or too large to be) goes to the app as before, so its answers and its store
 * are unchanged.
 */
function answerSendEmailDirectly(server: Server): void {
  const app = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const toApp: RequestListener = (request, response) => {
    for (const listener of app) listener(request, response);
  };
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!isSendEmailAsTheSdkCallsIt(request)) return toApp(request, response);
    readBody(request).then(
      (text) => {
        const body = parsedJson(text);
        if (body === undefined) return answer(response, 400, { message: 'Bad Request Exception', detail: 'leadflow: the SendEmail body is not JSON' });
        sendEmail({ body }, { status: (code) => ({ send: (payload) => answer(response, code, payload) }) }, () => undefined);
      },
      () => response.destroy(),
    );
  });
}

function isSendEmailAsTheSdkCallsIt(request: IncomingMessage): boolean {
  const length = Number(request.headers['content-length']);
  return (
    request.method === 'POST' &&
    request.url === SEND_EMAIL_PATH &&
    (request.headers['content-type'] ?? '').startsWith('application/json') &&
    (request.headers.authorization ?? '').startsWith('AWS') &&
    Number.isInteger(length) &&
    length <= BODY_LIMIT_BYTES
  );
}

function answer(response: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
