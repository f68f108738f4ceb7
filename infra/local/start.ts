/**
 * `npm start`: the whole pipeline on this machine. Data persists in .leadflow/data between runs;
 * `--reset` clears it; `--data <dir>` keeps everything in another folder instead of .leadflow. `--port N`
 * moves the API (default 3000); LEADFLOW_DYNAMODB_PORT, LEADFLOW_SQS_PORT, LEADFLOW_SES_PORT,
 * LEADFLOW_BUS_PORT and LEADFLOW_SECRETS_PORT move the stand-ins. Once everything listens it prints
 * one line `leadflow-ready <JSON>` (the endpoints and the admin token) for scripts and tests.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import type { KeyRing } from '../../shared/domain/consent/signed-token';
import { newKeyRing, startLocalStack } from './stack';

const { values } = parseArgs({ options: { reset: { type: 'boolean', default: false }, port: { type: 'string', default: '3000' }, data: { type: 'string' } } });
const stateDir = values.data ? resolve(values.data) : fileURLToPath(new URL('../../.leadflow', import.meta.url));
mkdirSync(stateDir, { recursive: true });

/** A text kept in .leadflow between runs (readable by its owner only), made on first use. */
function persisted(name: string, create: () => string): string {
  const file = `${stateDir}/${name}`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = create();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

const randomSecret = (bytes: number) => () => randomBytes(bytes).toString('base64url');

const port = (name: string, fallback: number) => Number(process.env[`LEADFLOW_${name}_PORT`] ?? fallback);

const stack = await startLocalStack({
  dataDir: `${stateDir}/data`,
  reset: values.reset,
  // The admin token stays the same between runs, so scripts and bookmarks keep working; links in
  // mail already sent keep verifying; suppressed addresses keep matching their salted hashes.
  devToken: process.env.LEADFLOW_DEV_TOKEN ?? persisted('dev-token', randomSecret(24)),
  signingKeys: JSON.parse(persisted('signing-keys.json', () => JSON.stringify(newKeyRing()))) as KeyRing,
  privacySalt: persisted('privacy-salt', randomSecret(32)),
  ports: { api: Number(values.port), dynamodb: port('DYNAMODB', 8000), sqs: port('SQS', 4566), ses: port('SES', 8005), bus: port('BUS', 4010), secrets: port('SECRETS', 4584) },
});

console.log(`
leadflow is running locally.

  API               ${stack.apiUrl}
  OpenAPI document  ${stack.apiUrl}/v1/openapi.json
  Sent mail         ${stack.sesUrl}   (every email, with its headers)
  DynamoDB Local    ${stack.endpoints.dynamodb}   (table "${stack.settings.tableName}", data in .leadflow/data)
  SQS (fauxqs)      ${stack.endpoints.sqs}
  EventBridge       ${stack.endpoints.eventbridge}
  Scheduler         ${stack.endpoints.scheduler}   (campaign schedules and follow-up timers, kept in ${stateDir}/data)
  Secrets Manager   ${stack.endpoints.secretsmanager}   (link-signing keys and address-hash salt, kept in .leadflow/)
  Admin token       ${stack.devToken}   (also in .leadflow/dev-token; send as "Authorization: Bearer <token>")

Ctrl-C stops everything.
`);
console.log(`leadflow-ready ${JSON.stringify({ apiUrl: stack.apiUrl, devToken: stack.devToken, ...stack.endpoints })}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    stack.stop().then(() => process.exit(0), (error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });
}
