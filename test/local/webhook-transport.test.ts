import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { pinnedConnector } from '../../src/adapters/webhook-transport';

/**
 * The connector deliver-webhooks posts with, against receivers on 127.0.0.1. Their URLs name hosts
 * under `.test`, which never resolve (RFC 6761): a request that arrives proves the connection went
 * to the address given, with no look-up of its own.
 */
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen<S extends Server>(server: S): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

interface Received {
  method?: string;
  url?: string;
  host?: string;
  signature?: string;
  body: string;
}

async function receiver(respond: (request: IncomingMessage, response: ServerResponse) => void) {
  const received: Received[] = [];
  const port = await listen(
    createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ method: request.method, url: request.url, host: request.headers.host, signature: request.headers['webhook-signature'] as string | undefined, body: Buffer.concat(chunks).toString() });
        respond(request, response);
      });
    }),
  );
  return { port, received };
}

const post = (url: string, timeoutMs = 5_000, addresses = ['127.0.0.1']) =>
  pinnedConnector.post({ url: new URL(url), addresses, headers: { 'content-type': 'application/json', 'webhook-signature': 'v1,abc' }, body: '{"id":"evt_1"}', timeoutMs });

describe('the pinned webhook connector', () => {
  it('connects to the checked address while the request still names the host', async () => {
    const { port, received } = await receiver((_request, response) => response.writeHead(202).end());
    expect(await post(`http://receiver.example.test:${port}/hooks/leadflow`)).toBe(202);
    expect(received).toEqual([{ method: 'POST', url: '/hooks/leadflow', host: `receiver.example.test:${port}`, signature: 'v1,abc', body: '{"id":"evt_1"}' }]);
  });

  it('tries the checked addresses in turn when one refuses the connection, and none other', async () => {
    const { port, received } = await receiver((_request, response) => response.writeHead(204).end());
    // Nothing listens on 127.0.0.2 (loopback too, a different address): the connection moves on to 127.0.0.1.
    expect(await post(`http://receiver.example.test:${port}/in`, 5_000, ['127.0.0.2', '127.0.0.1'])).toBe(204);
    expect(received).toHaveLength(1);
    await expect(post(`http://receiver.example.test:${port}/in`, 5_000, ['127.0.0.2'])).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(received).toHaveLength(1);
  });

  it('answers a redirect as it is, without following it', async () => {
    const { port, received } = await receiver((_request, response) => response.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` }).end());
    expect(await post(`http://receiver.example.test:${port}/in`)).toBe(302);
    expect(received.map((request) => request.url)).toEqual(['/in']);
  });

  it('reads the status and not the body: an endless answer does not hold the delivery', async () => {
    let written = 0;
    let receiverClosed = () => {};
    const closed = new Promise<void>((resolve) => {
      receiverClosed = resolve;
    });
    const { port } = await receiver((_request, response) => {
      response.on('close', receiverClosed);
      response.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pour = () => {
        while (!response.destroyed && response.write(chunk)) written += chunk.length;
      };
      response.on('drain', pour);
      pour();
    });
    expect(await post(`http://receiver.example.test:${port}/in`)).toBe(200);
    await closed;
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  it('gives up when the receiver has not answered in time', async () => {
    const { port } = await receiver(() => {});
    const started = Date.now();
    await expect(post(`http://receiver.example.test:${port}/in`, 300)).rejects.toMatchObject({ name: expect.stringMatching(/AbortError|TimeoutError/) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('speaks TLS to the checked address with the host name as SNI, and verifies the certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadflow-tls-'));
    try {
      // A certificate no authority signed: the handshake reaches the receiver, which learns the name asked for, and the connector refuses it.
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=receiver.example.test', '-addext', 'subjectAltName=DNS:receiver.example.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const credentials = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
      const serverNames: string[] = [];
      let requests = 0;
      const port = await listen(
        createTlsServer(
          {
            ...credentials,
            SNICallback: (name, done) => {
              serverNames.push(name);
              done(null, createSecureContext(credentials));
            },
          },
          (_request, response) => {
            requests += 1;
            response.writeHead(200).end();
          },
        ),
      );
      await expect(post(`https://receiver.example.test:${port}/in`)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      expect(serverNames).toEqual(['receiver.example.test']);
      expect(requests).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
