import * as z from 'zod/mini';

/**
 * classic zod's `z.preprocess` for zod mini, which has none: `fn` runs on the raw input, then `schema`
 * parses what it returns. Typed as classic zod types it, so an object key whose schema is optional stays
 * optional in the object's input type (a plain `z.pipe(z.transform(fn), schema)` would make it required).
 * `fn` may refuse the input by pushing an issue onto `payload.issues`.
 */
export function preprocess<Schema extends z.core.$ZodType>(fn: (input: unknown, payload: z.core.ParsePayload) => unknown, schema: Schema) {
  return z.pipe(z.transform(fn), schema) as unknown as z.ZodMiniType<z.output<Schema>, unknown, z.core.$ZodPreprocessInternals<Schema>>;
}
