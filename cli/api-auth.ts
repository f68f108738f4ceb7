import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from './errors';

/** How the CLI proves who it is: the development token locally, SigV4 (IAM) against AWS, as the API expects. */
export type AdminAuth =
  /** `from`: where the token was read, to name when the API refuses it. */
  | { readonly kind: 'token'; readonly token: string; readonly from: string }
  | { readonly kind: 'iam'; readonly region: string };

export interface AdminResponse {
  readonly status: number;
  readonly body: unknown;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const EXECUTE_API_HOST = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/;

/** Whether an API URL is the local stack's (`npm start`) rather than a deployment's. */
export const isLocalApi = (apiUrl: string) => LOCAL_HOSTS.has(new URL(apiUrl).hostname);

/** The AWS region of a deployment: LEADFLOW_REGION, else the execute-api URL's, else the AWS CLI's. */
export const regionOf = (apiUrl: string, env: NodeJS.ProcessEnv): string | undefined =>
  env.LEADFLOW_REGION ?? EXECUTE_API_HOST.exec(new URL(apiUrl).hostname)?.[1] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;

/**
 * Chooses the credentials for an API URL: a token given in the environment wins; a local URL uses the
 * token `npm start` wrote to `.leadflow/dev-token`; anything else is signed with the AWS credential
 * chain (environment, profile, SSO, instance role) for the URL's region.
 */
export async function resolveAuth(apiUrl: string, env: NodeJS.ProcessEnv, cwd: string): Promise<AdminAuth> {
  if (env.LEADFLOW_DEV_TOKEN) return bearer(env.LEADFLOW_DEV_TOKEN, 'LEADFLOW_DEV_TOKEN');
  if (isLocalApi(apiUrl)) {
    const file = join(cwd, '.leadflow', 'dev-token');
    let token: string;
    try {
      token = (await readFile(file, 'utf8')).trim();
    } catch {
      throw new Error(`No development token: start the local stack with \`npm start\` in ${cwd}, or set LEADFLOW_DEV_TOKEN`);
    }
    return bearer(token, file);
  }
  const region = regionOf(apiUrl, env);
  if (!region) throw new Error(`Cannot tell the AWS region of ${apiUrl}; set LEADFLOW_REGION`);
  return { kind: 'iam', region };
}

/** What a header may carry as a bearer token: visible ASCII (a line break or a space would break or split the header). */
const HEADER_TOKEN = /^[\x21-\x7e]+$/;

function bearer(token: string, from: string): AdminAuth {
  // Named, never quoted: the token is a password.
  if (!HEADER_TOKEN.test(token)) throw new CliError(`The development token in ${from} is not one: letters, digits and punctuation, no spaces or line breaks`);
  return { kind: 'token', token, from };
}

/**
 * The CLI's fetch, telling two failures in words instead of "fetch failed" or a bare 403: an API it
 * cannot reach (no `npm start` running, a wrong address), and for a token, a 403 that says "Forbidden"
 * alone, which is the token refused (a leadflow started elsewhere, or with another token).
 */
export function explainedFetch(fetchThrough: typeof fetch, auth: AdminAuth, apiUrl: string, cwd: string): typeof fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await fetchThrough(input, init);
    } catch (error) {
      // undici's "fetch failed" says why in its cause: a system error's code, or a message of its own ("bad port").
      const cause = (error as { cause?: unknown }).cause;
      const why = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : (error as Error).message;
      throw new CliError(`Cannot reach the API at ${apiUrl} (${why}): ${isLocalApi(apiUrl) ? `is \`npm start\` running?` : 'is the address right?'} Name another with --api or LEADFLOW_API_URL.`);
    }
    if (auth.kind !== 'token' || response.status !== 403) return response;
    const body = (await response
      .clone()
      .json()
      .catch(() => undefined)) as { message?: unknown } | undefined;
    if (body?.message !== 'Forbidden') return response;
    throw new CliError(`The API at ${apiUrl} refused the development token from ${auth.from}: was that leadflow started in ${cwd}? \`npm start\` prints its token and keeps it in its folder's .leadflow/dev-token (unless LEADFLOW_DEV_TOKEN gave it one).`);
  };
}
