import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

/** Every address a host name resolves to now (A and AAAA), as the operating system's resolver answers. */
export interface HostResolver {
  resolve(hostname: string): Promise<string[]>;
}

export interface PinnedPost {
  readonly url: URL;
  /** The address to connect to, already checked: no second look-up is made, so DNS cannot change it. */
  readonly address: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
}

/** POSTs to a URL over a connection to a given address; answers the response status. */
export interface WebhookConnector {
  post(request: PinnedPost): Promise<number>;
}

export const dnsResolver: HostResolver = {
  async resolve(hostname) {
    return (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);
  },
};

/**
 * Answers every look-up of the connection with the checked address. Node asks for a list when it
 * may race IPv4 and IPv6 (autoSelectFamily), for one address otherwise.
 */
const pinnedLookup = (address: string): LookupFunction => (_hostname, options, callback) => {
  const family = isIP(address);
  if (options.all) callback(null, [{ address, family }]);
  else callback(null, address, family);
};

/** Response headers beyond this are an error; Node's default, stated so the cap is visible here. */
const MAX_RESPONSE_HEADER_BYTES = 16 * 1024;

/**
 * node:http(s) with the connection pinned to the checked address. The URL's host name still names
 * the server: TLS SNI and certificate check, and the Host header. Redirects are not followed (node
 * never does), the whole exchange has a deadline, and of the answer only the status line and headers
 * are read: the body is discarded unread, since a delivery needs only the status.
 */
export const pinnedConnector: WebhookConnector = {
  post({ url, address, headers, body, timeoutMs }) {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      const outgoing = request(url, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: pinnedLookup(address),
        // One connection per delivery: a pooled socket could have been opened to another address.
        agent: false,
        maxHeaderSize: MAX_RESPONSE_HEADER_BYTES,
        signal: AbortSignal.timeout(timeoutMs),
      });
      outgoing.on('response', (response: IncomingMessage) => {
        resolve(response.statusCode ?? 0);
        response.destroy();
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  },
};
