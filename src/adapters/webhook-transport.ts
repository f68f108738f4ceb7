import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { PinnedPost } from '../domain/handoff/webhooks';

/** Every address a host name resolves to now (A and AAAA), as the operating system's resolver answers. */
export const dnsResolver = {
  async resolve(hostname: string): Promise<string[]> {
    return (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);
  },
};

/**
 * Answers the connection's look-up with the checked addresses: all of them when Node asks for a list
 * (autoSelectFamily, on by default, then tries each in turn, racing the families), else the first.
 */
const pinnedLookup = (addresses: readonly string[]): LookupFunction => (hostname, options, callback) => {
  const [first] = addresses;
  if (first === undefined) callback(Object.assign(new Error(`No checked address for ${hostname}`), { code: 'ENOTFOUND' }), []);
  else if (options.all) callback(null, addresses.map((address) => ({ address, family: isIP(address) })));
  else callback(null, first, isIP(first));
};

/** Response headers beyond this are an error; Node's default, stated so the cap is visible here. */
const MAX_RESPONSE_HEADER_BYTES = 16 * 1024;

/**
 * node:http(s) with the connection pinned to the checked addresses. The URL's host name still names
 * the server: TLS SNI and certificate check, and the Host header. Redirects are not followed (node
 * never does), the whole exchange has a deadline, and of the answer only the status line and headers
 * are read: the body is discarded unread, since a delivery needs only the status.
 */
export const pinnedConnector = {
  post({ url, addresses, headers, body, timeoutMs }: PinnedPost): Promise<number> {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      const outgoing = request(url, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: pinnedLookup(addresses),
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
