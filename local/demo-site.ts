import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import type { FormDefinitionInput } from '../src/domain/forms/definition';
import { closeServer, LOOPBACK, listenOn } from './services';

/** What the demo site's tracking source is called; a start reuses the one of its origin. */
export const DEMO_SOURCE_NAME = 'Demo site';
/** The form the demo site embeds and links to. */
export const DEMO_FORM_ID = 'demo-request';

export interface DemoSite {
  readonly url: string;
  readonly writeKey: string;
  readonly formId: string;
  stop(): Promise<void>;
}

const folder = new URL('./demo-site/', import.meta.url);
const file = (name: string) => readFileSync(new URL(name, folder), 'utf8');

/** The pages by path: each a body in the common layout (snippet, navigation, consent banner). */
const PAGES: ReadonlyMap<string, { readonly title: string; readonly body: string }> = new Map([
  ['/', { title: 'Home', body: 'home.html' }],
  ['/pricing', { title: 'Pricing', body: 'pricing.html' }],
  ['/features', { title: 'Features', body: 'features.html' }],
  ['/demo', { title: 'Book a demo', body: 'demo.html' }],
  ['/contact', { title: 'Contact', body: 'contact.html' }],
  ['/blog/lead-scoring-whitepaper', { title: 'Lead scoring without guesswork', body: 'blog.html' }],
  ['/thanks', { title: 'Thanks', body: 'thanks.html' }],
]);
const ASSETS: ReadonlyMap<string, { readonly file: string; readonly type: string }> = new Map([
  ['/style.css', { file: 'style.css', type: 'text/css; charset=utf-8' }],
  ['/whitepaper.txt', { file: 'whitepaper.txt', type: 'text/plain; charset=utf-8' }],
]);

/** The demo's form: the fields the starter ruleset's fit rules read, so a visitor can make a lead that qualifies. */
export const demoFormDefinition = (siteOrigins: readonly [string, ...string[]]): FormDefinitionInput => ({
  title: { en: 'Book a demo', id: 'Pesan demo' },
  fields: [
    { name: 'email', type: 'email', label: { en: 'Work email', id: 'Email kantor' }, required: true },
    { name: 'firstName', type: 'text', label: { en: 'First name', id: 'Nama depan' }, required: true },
    { name: 'company', type: 'text', label: { en: 'Company', id: 'Perusahaan' }, required: true },
    { name: 'role', type: 'text', label: { en: 'Role', id: 'Jabatan' } },
    { name: 'industry', type: 'text', label: { en: 'Industry', id: 'Industri' } },
    { name: 'teamSize', type: 'number', label: { en: 'Team size', id: 'Jumlah tim' } },
  ],
  consents: [{ subscription: 'product_updates', text: { en: 'Send me product updates.', id: 'Kirimi saya pembaruan produk.' } }],
  hidden: ['pageUrl', 'utm_source', 'utm_campaign'],
  success: { kind: 'redirect', url: `${siteOrigins[0]}/thanks` },
  allowedOrigins: [...siteOrigins],
  spam: { minSecondsToSubmit: 2 },
});

const SourceList = z.object({
  items: z.array(z.object({ id: z.string(), name: z.string(), origins: z.array(z.string()), writeKey: z.string().optional() })),
  nextCursor: z.string().optional(),
});
const CreatedSource = z.object({ writeKey: z.string() });

/** The admin API with the development token, as the CLI uses it; an answer that is not a success ends the start. */
function adminApi(apiUrl: string, devToken: string) {
  return async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${devToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`demo site set-up: ${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as unknown;
  };
}

/** The write key of the demo source of this origin: the one a previous start made, else a new source. */
async function demoWriteKey(admin: ReturnType<typeof adminApi>, origins: readonly string[]): Promise<string> {
  let cursor: string | undefined;
  do {
    const page = SourceList.parse(await admin('GET', `/v1/admin/sources${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`));
    const existing = page.items.find((source) => source.name === DEMO_SOURCE_NAME && origins.every((origin) => source.origins.includes(origin)) && source.writeKey);
    if (existing?.writeKey) return existing.writeKey;
    cursor = page.nextCursor;
  } while (cursor);
  return CreatedSource.parse(await admin('POST', '/v1/admin/sources', { name: DEMO_SOURCE_NAME, origins })).writeKey;
}

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The demo marketing site of `npm start`: a few static pages with leadflow.js installed (behind a
 * consent banner), a blog post with a whitepaper to download, the demo form hosted by the API and
 * embedded in a page. On start it makes sure its tracking source (bound to its own origin) and its
 * form exist, through the admin API, so a restart on the same port reuses both. Listens on 127.0.0.1
 * only; its origins are that address and localhost on the same port.
 */
export async function startDemoSite(options: { readonly apiUrl: string; readonly devToken: string; readonly port: number }): Promise<DemoSite> {
  const layout = file('layout.html');
  let values: Readonly<Record<string, string>> = {};
  const fill = (template: string) => template.replace(/\{\{(\w+)\}\}/g, (_placeholder, name: string) => (Object.hasOwn(values, name) ? escapeAttribute(values[name] ?? '') : ''));

  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://demo.invalid').pathname;
    const page = PAGES.get(path);
    const asset = ASSETS.get(path);
    if (request.method !== 'GET' && request.method !== 'HEAD') response.writeHead(405, { allow: 'GET, HEAD' }).end();
    else if (page) {
      const html = layout.replace('{{content}}', () => file(page.body)).replace('{{title}}', () => page.title);
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(fill(html));
    } else if (asset) response.writeHead(200, { 'content-type': asset.type }).end(file(asset.file));
    else response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
  });
  await listenOn(server, options.port, 'this-machine-pages');
  try {
    const { port } = server.address() as AddressInfo;
    const url = `http://${LOOPBACK}:${port}`;
    // The same site as http://localhost:<port>: a browser sends that origin when the user types it.
    const origins = [url, `http://localhost:${port}`] as const;
    const admin = adminApi(options.apiUrl, options.devToken);
    const writeKey = await demoWriteKey(admin, origins);
    // A definition the same as the stored one makes no new version, so every start may push it.
    await admin('PUT', `/v1/admin/forms/${DEMO_FORM_ID}`, demoFormDefinition(origins));
    values = { apiUrl: options.apiUrl, writeKey, formId: DEMO_FORM_ID };
    return { url, writeKey, formId: DEMO_FORM_ID, stop: () => closeServer(server) };
  } catch (error) {
    await closeServer(server);
    throw error;
  }
}
