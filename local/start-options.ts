import { parseArgs } from 'node:util';
import { DEV_TOKEN_VARIABLE } from './state-files';
import { ALLOWED_HOSTS_VARIABLE, allowedHostNames, isHostName } from './this-machine-only';

/** The stand-ins whose ports the environment may move, by the name in `LEADFLOW_<NAME>_PORT`, with their defaults. */
export const STAND_IN_PORTS = { DYNAMODB: 8000, SQS: 4566, SES: 8005, BUS: 4010, SECRETS: 4584, DEMO: 8080 } as const;
const DEFAULT_API_PORT = 3000;

/** The port variables with their defaults, three to a line. */
const portVariables = Object.entries(STAND_IN_PORTS).map(([name, port]) => `LEADFLOW_${name}_PORT (${port})`);
const portLines = [portVariables.slice(0, 3), portVariables.slice(3)].map((line) => `  ${line.join(', ')}`).join(',\n');

/** What `npm start -- --help` prints. */
export const START_USAGE = `Usage: npm start [-- OPTIONS]

Starts the whole leadflow pipeline on this machine, with local stand-ins for AWS.

Options:
  --reset        start empty: clear the table, queued messages and schedules kept in the data folder
  --port N       the API's port (default ${DEFAULT_API_PORT}; 0: any free port)
  --data DIR     keep everything in DIR instead of .leadflow
  --help, -h     print this and exit

Environment (0: any free port):
${portLines}
  ${ALLOWED_HOSTS_VARIABLE}   host names to answer besides localhost, 127.0.0.1 and [::1],
                           comma-separated (a forwarded port's address; only names you own)
  ${DEV_TOKEN_VARIABLE}       the admin token instead of the one kept in the data folder's
                           dev-token (16 or more letters, digits or -._~+/)`;

export interface StartOptions {
  readonly reset: boolean;
  readonly apiPort: number;
  /** The state folder named with `--data`; undefined for the project's own `.leadflow`. */
  readonly data?: string;
  readonly ports: Readonly<Record<keyof typeof STAND_IN_PORTS, number>>;
}

/** What `npm start` does with its command line: start, or print and exit with the code given. */
export type StartCommand = { readonly start: StartOptions } | { readonly print: string; readonly exitCode: 0 | 1 };

const isPort = (text: string) => /^\d{1,5}$/.test(text) && Number(text) <= 65_535;

/** Reads `npm start`'s arguments and port variables; a mistake is told in one line, with where to look. */
export function startCommand(args: readonly string[], environment: Readonly<Record<string, string | undefined>>): StartCommand {
  // Whatever else is on the line: whoever asks for help gets it.
  if (args.includes('--help') || args.includes('-h')) return { print: START_USAGE, exitCode: 0 };
  const mistake = (message: string): StartCommand => ({ print: `leadflow cannot start: ${message} (npm start -- --help lists the options)`, exitCode: 1 });
  let values: { reset?: boolean; port?: string; data?: string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { reset: { type: 'boolean' }, port: { type: 'string' }, data: { type: 'string' } },
    }));
  } catch (error) {
    // parseArgs' own message, to its first sentence: what follows is advice for a command line built by hand.
    return mistake((error as Error).message.split(/\.(?: |\n|$)/)[0] ?? 'unreadable options');
  }
  const port = values.port ?? String(DEFAULT_API_PORT);
  if (!isPort(port)) return mistake(`--port must be a port number from 0 to 65535, not ${JSON.stringify(port)}`);
  if (values.data === '') return mistake('--data must name a folder');
  const ports = {} as Record<keyof typeof STAND_IN_PORTS, number>;
  for (const [name, fallback] of Object.entries(STAND_IN_PORTS) as [keyof typeof STAND_IN_PORTS, number][]) {
    const given = environment[`LEADFLOW_${name}_PORT`];
    if (given !== undefined && !isPort(given)) return mistake(`LEADFLOW_${name}_PORT must be a port number from 0 to 65535, not ${JSON.stringify(given)}`);
    ports[name] = given === undefined ? fallback : Number(given);
  }
  // A name that can never match would leave the forwarded port refused, the refusal naming this variable as the cure.
  const notHostName = allowedHostNames(environment).find((name) => !isHostName(name));
  if (notHostName !== undefined) return mistake(`${ALLOWED_HOSTS_VARIABLE} must list host names such as my-box.example.com (no scheme, port or wildcard), not ${JSON.stringify(notHostName)}`);
  return { start: { reset: values.reset ?? false, apiPort: Number(port), ...(values.data === undefined ? {} : { data: values.data }), ports } };
}
