import type { QueryClient, QueryFilters, QueryKey } from '@tanstack/react-query';

/**
 * Refetches every query a change touched, each fetch sent after the change. `invalidateQueries` alone
 * can leave the state from before it on screen: a query's first fetch still in flight (a list still
 * loading when the form beside it is sent) is reused rather than restarted, and its answer, read
 * before the change, is then kept as fresh. Cancelling the fetches in flight first (each query goes
 * back to what it showed before) makes the refetch start anew.
 */
export async function refetchAfterChange(queryClient: QueryClient, filters: QueryFilters): Promise<void> {
  await queryClient.cancelQueries(filters);
  await queryClient.invalidateQueries(filters);
}

/**
 * Shows a change's answer as its query's data. A fetch of that query in flight, sent before the change,
 * would otherwise land after it and put the older answer back: it is cancelled first.
 */
export async function storeAfterChange<T>(queryClient: QueryClient, queryKey: QueryKey, data: T): Promise<void> {
  await queryClient.cancelQueries({ queryKey });
  queryClient.setQueryData(queryKey, data);
}

/** The queries whose key starts with one of these names: a record and the lists that show it. */
export const queriesNamed = (...names: readonly string[]): QueryFilters => ({ predicate: (query) => names.includes(String(query.queryKey[0])) });
