import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { apiClient, bearerToken, type ApiClient } from '../../../src/api/client';

const ApiContext = createContext<ApiClient | undefined>(undefined);

/** The typed client of the admin API (derived from the route declarations), sending the session's bearer token. */
export function ApiProvider({ apiUrl, token, children }: { readonly apiUrl: string; readonly token: string; readonly children: ReactNode }) {
  // Bound so the browser's fetch is called on window, as it requires.
  const client = useMemo(() => apiClient({ baseUrl: apiUrl, authorise: bearerToken(token), fetch: (input, init) => fetch(input, init) }), [apiUrl, token]);
  return <ApiContext.Provider value={client}>{children}</ApiContext.Provider>;
}

export function useApi(): ApiClient {
  const client = useContext(ApiContext);
  if (!client) throw new Error('useApi outside ApiProvider');
  return client;
}
