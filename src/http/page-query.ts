import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { InvalidInput } from '../domain/errors';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** Far above any cursor a list gives (an encoded key of four short strings), far below a problem. */
const MAX_CURSOR_LENGTH = 2048;

/** An admin list's `?limit=` (default 50, at most 200) and `?cursor=` (the previous page's `nextCursor`). */
export function pageRequest(event: Pick<APIGatewayProxyEventV2, 'queryStringParameters'>): { readonly limit: number; readonly cursor?: string } {
  const { limit: limitText, cursor } = event.queryStringParameters ?? {};
  const limit = limitText === undefined ? DEFAULT_PAGE_SIZE : Number(limitText);
  if (!/^\d+$/.test(limitText ?? String(DEFAULT_PAGE_SIZE)) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw InvalidInput.field('limit', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  if (cursor === undefined) return { limit };
  if (cursor === '' || cursor.length > MAX_CURSOR_LENGTH) throw InvalidInput.field('cursor', 'is not a cursor this list gave: start again without it');
  return { limit, cursor };
}

/** The answer of an admin list: the page's items and, while there may be more, the cursor of the next. */
export const pageBody = <T>(page: { readonly items: readonly T[]; readonly nextCursor?: string }) => ({
  items: page.items,
  ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
});
