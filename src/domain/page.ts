/** Which page of a list to read: at most `limit` items, from where the previous page ended. */
export interface PageRequest {
  readonly limit: number;
  /** Where the previous page ended, as its `nextCursor` said; the first page without it. */
  readonly cursor?: string;
}

/** A page of a list. */
export interface Page<T> {
  readonly items: T[];
  /** Present while there may be more items: pass it back to get the next page. */
  readonly nextCursor?: string;
}

/** What an opaque page cursor (base64url JSON) holds, or undefined when it is not one: callers check the shape and refuse with 400 naming `cursor`. */
export function cursorContent(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
