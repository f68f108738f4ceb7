/**
 * Stands in for the SDK's logger middleware (`@aws-sdk/core`) and the schema walk that hides sensitive
 * members from its entries (`@smithy/core`'s schemaLogFilter) in every function bundle
 * (infra/bundle-plugins.ts). Only that middleware logs an operation's input and output, and
 * src/adapters/clients.ts takes it out of every client (no client has a logger). Here a client never
 * gets it, and a filter asked to hide members hides the whole value: 1.3 KB of every bundle.
 */
/** A middleware that only passes the call on, should anything add it by hand. */
export const loggerMiddleware =
  () =>
  <Next>(next: Next): Next =>
    next;

export const loggerMiddlewareOptions = { name: 'loggerMiddleware', tags: ['LOGGER'], step: 'initialize', override: true } as const;

export const getLoggerPlugin = () => ({ applyToStack: (): void => undefined });

export const schemaLogFilter = (): string => '***SensitiveInformation***';
