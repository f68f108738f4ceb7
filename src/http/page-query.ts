import * as z from 'zod/mini';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** Far above any cursor a list gives (an encoded key of four short strings), far below a problem. */
const MAX_CURSOR_LENGTH = 2048;

const LIMIT_MESSAGE = `must be a whole number from 1 to ${MAX_PAGE_SIZE}`;
const CURSOR_MESSAGE = 'is not a cursor this list gave: start again without it';

/** An admin list's `?limit=` (default 50, at most 200) and `?cursor=` (the previous page's `nextCursor`). */
export const PageQuery = z.object({
  limit: z.pipe(z.optional(z
    .string()), z.transform((text, context) => {
      if (text === undefined) return DEFAULT_PAGE_SIZE;
      const limit = Number(text);
      if (/^\d+$/.test(text) && limit >= 1 && limit <= MAX_PAGE_SIZE) return limit;
      context.issues.push({ input: context.value, code: 'custom', message: LIMIT_MESSAGE });
      return z.NEVER;
    })).check(z.meta({ description: `How many items at most (1-${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}).` })),
  cursor: z.optional(z.string().check(z.minLength(1, CURSOR_MESSAGE), z.maxLength(MAX_CURSOR_LENGTH, CURSOR_MESSAGE))).check(z.meta({ description: "The previous page's `nextCursor`." })),
});
export type PageRequest = z.output<typeof PageQuery>;

/** The answer of an admin list: a page of `item`s and, while there may be more, the cursor of the next. */
export const pageOf = <T extends z.ZodMiniType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.optional(z.string()).check(z.meta({ description: 'Present while there may be more: pass it as `cursor`.' })) });

/** A store's page as the list answers it. */
export const pageBody = <T>(page: { readonly items: readonly T[]; readonly nextCursor?: string }) => ({
  items: page.items,
  ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
});
