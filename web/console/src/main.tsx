import './zod-without-eval';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ConsoleApp } from './app';
import { loadConfig } from './config';
import { I18nProvider } from './i18n';
import './console.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } } });

loadConfig().then(
  (config) =>
    createRoot(root).render(
      <StrictMode>
        <QueryClientProvider client={queryClient}>
          <I18nProvider>
            <ConsoleApp config={config} />
          </I18nProvider>
        </QueryClientProvider>
      </StrictMode>,
    ),
  (error: unknown) => {
    root.textContent = `The console cannot start: ${error instanceof Error ? error.message : String(error)}`;
  },
);
