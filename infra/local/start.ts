/**
 * `npm start`: the whole pipeline on this machine. Data persists in .leadflow/data between runs;
 * `--reset` clears it. `--port N` moves the API (default 3000); LEADFLOW_DYNAMODB_PORT,
 * LEADFLOW_SQS_PORT, LEADFLOW_SES_PORT, LEADFLOW_BUS_PORT and LEADFLOW_SECRETS_PORT move the stand-ins.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import type { KeyRing } from '../../shared/domain/consent/signed-token';
import { newKeyRing, startLocalStack } from './stack';

const { values } = parseArgs({ options: { reset: { type: 'boolean', default: false }, port: { type: 'string', default: '3000' } } });
const stateDir = fileURLToPath(new URL('../../.leadflow', import.meta.url));
mkdirSync(stateDir, { recursive: true });

/** The admin token stays the same between runs, so scripts and bookmarks keep working. */
function devToken(): string {
  if (process.env.LEADFLOW_DEV_TOKEN) return process.env.LEADFLOW_DEV_TOKEN;
  const file = `${stateDir}/dev-token`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Subscriber links in mail already sent keep working across restarts: the key ring is kept too. */
function signingKeys(): KeyRing {
  const file = `${stateDir}/signing-keys.json`;
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as KeyRing;
  const ring = newKeyRing();
  writeFileSync(file, `${JSON.stringify(ring)}\n`, { mode: 0o600 });
  return ring;
}

const port = (name: string, fallback: number) => Number(process.env[`LEADFLOW_${name}_PORT`] ?? fallback);

const stack = await startLocalStack({
  dataDir: `${stateDir}/data`,
  reset: values.reset,
  devToken: devToken(),
  signingKeys: signingKeys(),
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
  Admin token       ${stack.devToken}   (also in .leadflow/dev-token; send as "Authorization: Bearer <token>")

Ctrl-C stops everything.
`);

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
