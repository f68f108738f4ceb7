import { main, type CliIo } from '../../cli/leadflow';

export interface Answer {
  readonly body: unknown;
  readonly status?: number;
}

/**
 * A CLI run in `cwd` against an API that records each request and answers with `answers` in turn
 * (the last one again once they run out): what the commands sent, and what they printed.
 */
export function cliAnswering(cwd: string, ...answers: readonly Answer[]) {
  const out: string[] = [];
  const err: string[] = [];
  const requests: { url: string; method?: string; body?: unknown }[] = [];
  const fetch = (async (url: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) => {
    const answer = answers[Math.min(requests.length, answers.length - 1)] ?? { body: {} };
    requests.push({ url: String(url), method: init?.method, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    return new Response(JSON.stringify(answer.body), { status: answer.status ?? 200 });
  }) as typeof globalThis.fetch;
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), env: { LEADFLOW_DEV_TOKEN: 't' }, cwd, fetch };
  return { out, err, requests, run: (...argv: string[]) => main(argv, io) };
}
