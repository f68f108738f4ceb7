import type { HttpHandlerOptions, HttpRequest, HttpResponse, RequestSigner } from '@smithy/types';
import type { buildApp } from 'fauxqs';

/** fauxqs's server: a Fastify instance, whose `inject` runs a request through its routes without a socket. */
export type FauxqsApp = ReturnType<typeof buildApp>;

/** The SDK's JSON protocol gives its body as bytes (a Uint8Array of its own class), which `inject` would serialize as an object. */
const payloadOf = (body: unknown): string | Buffer => {
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new Error('the in-process SQS handler takes a string or bytes as a request body');
};

const abortError = () => Object.assign(new Error('Request aborted'), { name: 'AbortError' });

/**
 * An SDK request handler that hands each request to fauxqs in this process (Fastify's `inject`)
 * instead of sending it over a loopback socket to the same process. The request is the SDK's own,
 * serialized as for any endpoint, and fauxqs answers it through the same routes as over HTTP, so
 * queues behave the same (visibility timeouts, long polls, redrive to the DLQ, batches): only the
 * socket and the HTTP framing and parsing on both sides are left out (docs/performance.md, "Seventh
 * round"). For the stack's own client (the bus and the pollers); any other client, in a function's
 * worker thread or another process, still reaches fauxqs over HTTP.
 */
export function inProcessSqsHandler(app: FauxqsApp) {
  return {
    metadata: { handlerProtocol: 'in-process' },
    async handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }> {
      // What the pollers pass: Node's AbortSignal (the SDK's type declares only `aborted` and `onabort`).
      const signal = options?.abortSignal as AbortSignal | undefined;
      if (signal?.aborted) throw abortError();
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(request.query ?? {})) {
        for (const item of Array.isArray(value) ? value : [value]) if (item !== null) query.append(name, item);
      }
      const search = query.size ? `?${query.toString()}` : '';
      const answered = app.inject({
        method: request.method as 'POST',
        url: `${request.path}${search}`,
        headers: request.headers,
        ...(request.body === undefined ? {} : { payload: payloadOf(request.body) }),
      });
      // Its outcome matters only while the caller waits for it.
      answered.catch(() => undefined);
      // A long poll the caller gave up on (a poller stopping) is left to end in fauxqs on its own, as one
      // whose connection closed is: a message it takes then comes back after its visibility timeout.
      let onAbort = () => {};
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(abortError());
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      const reply = await Promise.race([answered, aborted]).finally(() => signal?.removeEventListener('abort', onAbort));
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(reply.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
      return { response: { statusCode: reply.statusCode, reason: reply.statusMessage, headers, body: reply.rawPayload } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}

/**
 * The configuration of an SQS client whose requests never leave this process (the stack's own: the
 * bus and the pollers). Unsigned: fauxqs checks no signature, and SigV4 (hashing the body, an HMAC
 * chain per request) was a tenth of the stack's main thread at full load. No MD5 of each body sent
 * and received: it guards against corruption on the wire, and there is none.
 */
export const inProcessSqsClientConfig = (handler: ReturnType<typeof inProcessSqsHandler>) => ({
  requestHandler: handler,
  // Its middleware stack is resolved once per command class, not on every send (nothing changes it later).
  cacheMiddleware: true,
  signer: { sign: async (request: HttpRequest) => request } satisfies RequestSigner,
  md5: false as const,
});
