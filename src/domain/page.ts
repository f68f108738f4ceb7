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
