import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** How the CLI proves who it is: the development token locally, SigV4 (IAM) against AWS, as the API expects. */
export type AdminAuth =
  | { readonly kind: 'token'; readonly token: string }
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
  if (env.LEADFLOW_DEV_TOKEN) return { kind: 'token', token: env.LEADFLOW_DEV_TOKEN };
  if (isLocalApi(apiUrl)) {
    try {
      return { kind: 'token', token: (await readFile(join(cwd, '.leadflow', 'dev-token'), 'utf8')).trim() };
    } catch {
      throw new Error(`No development token: start the local stack with \`npm start\` in ${cwd}, or set LEADFLOW_DEV_TOKEN`);
    }
  }
  const region = regionOf(apiUrl, env);
  if (!region) throw new Error(`Cannot tell the AWS region of ${apiUrl}; set LEADFLOW_REGION`);
  return { kind: 'iam', region };
}
