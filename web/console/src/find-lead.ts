import { listLeads } from '../../../functions/list-leads/routes';
import type { ApiClient } from '../../../src/api/client';

/** How many matches each request of the search asks for: enough to find an exact address among partial matches. */
const LEAD_MATCHES = 20;
/** Requests of the search at most (each reads up to 1,000 leads) before it says it found nobody. */
const LEAD_SEARCH_PAGES = 10;
const LEAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The lead a marketer names to preview an email as: by its id, its exact address (which the API looks
 * up at once), or part of its address, name or company (the first match; the API walks the leads a
 * thousand a request, and a request may match none). `lead` is absent when none matched among the
 * `scanned` leads read.
 */
export async function findLead(api: ApiClient, search: string): Promise<{ readonly lead?: { readonly id: string; readonly email?: string }; readonly scanned: number }> {
  if (LEAD_ID.test(search)) return { lead: { id: search }, scanned: 0 };
  let scanned = 0;
  let cursor: string | undefined;
  for (let request = 0; request < LEAD_SEARCH_PAGES; request += 1) {
    const page = await api.call(listLeads, { query: { q: search, limit: String(LEAD_MATCHES), ...(cursor ? { cursor } : {}) } });
    const found = page.items.find((item) => item.email.toLowerCase() === search.toLowerCase()) ?? page.items[0];
    scanned += page.scanned;
    if (found) return { lead: { id: found.id, email: found.email }, scanned };
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return { scanned };
}
