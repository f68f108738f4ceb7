import * as z from 'zod/mini';
import type { DetailByType, DetailType, detailSchemas } from '../domain/events';

/** An EventBridge event of leadflow as a consumer receives it: its detail type and that type's parsed detail. */
export type LeadflowBusEvent<T extends DetailType> = {
  [K in T]: { readonly 'detail-type': K; readonly detail: DetailByType[K] };
}[T];

/**
 * The schema of the EventBridge events of the given detail types, each detail parsed with its declared
 * schema (domain/events.ts), given as `{ [DetailType.X]: XDetail }`: a consumer names the schemas it
 * reads, so its bundle keeps those alone (looked up in `detailSchemas` by type, every detail's schema
 * would be in every consumer). An event of another type, or whose detail does not fit, fails to parse.
 */
export function leadflowBusEvent<const T extends DetailType>(schemas: { readonly [K in T]: (typeof detailSchemas)[K] }): z.ZodMiniType<LeadflowBusEvent<T>> {
  const options = Object.entries<z.ZodMiniType>(schemas).map(([type, detail]) => z.object({ 'detail-type': z.literal(type), detail }));
  // Built from the declarations at run time, TypeScript sees one object whose literal and detail vary
  // independently; the union pairs each detail type with its own schema, as the declared type says.
  return z.discriminatedUnion('detail-type', options as [(typeof options)[number], ...typeof options]) as unknown as z.ZodMiniType<LeadflowBusEvent<T>>;
}

/** The EventBridge fields besides the detail that some consumers read: the event's id and when it happened. */
export const BusEventMetadata = z.object({ id: z.string().check(z.minLength(1)), time: z.string() });
