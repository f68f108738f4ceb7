import * as z from 'zod';

/** `config.json` beside index.html: written by `npm start` locally, by the stack in AWS. */
export const ConsoleConfig = z.object({
  apiUrl: z.url(),
  auth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('cognito'), domain: z.string().min(1), clientId: z.string().min(1), redirectUri: z.url() }),
    z.object({ kind: z.literal('development') }),
  ]),
});
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;
export type CognitoSettings = Extract<ConsoleConfig['auth'], { kind: 'cognito' }>;

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  return ConsoleConfig.parse(await response.json());
}
