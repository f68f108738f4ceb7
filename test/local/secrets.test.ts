import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/services';
import { startSecrets } from '../../local/secrets';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';

/** Local mode's Secrets Manager stand-in, read the way the functions read it: Powertools Parameters over the real SDK. */
let stop: () => Promise<unknown>;
let endpoint: string;
let client: SecretsManagerClient;
const ring = { current: 'k1', k1: 'a-local-signing-key-of-32-bytes-0001' };
/** What the secret given as a function answers now. */
let captchaKeys = { turnstile: '0x4AAA-first' };

beforeAll(async () => {
  const secrets = await startSecrets({ port: await freePort(), region: 'us-east-1', secrets: { 'leadflow/signing-keys': JSON.stringify(ring), 'leadflow/form-captcha': () => JSON.stringify(captchaKeys) } });
  stop = secrets.stop;
  endpoint = secrets.endpoint;
  client = new SecretsManagerClient({ endpoint: secrets.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(async () => {
  client.destroy();
  await stop();
});

describe('the local Secrets Manager stand-in', () => {
  it('answers Powertools Parameters as Secrets Manager does', async () => {
    const keyRing = cachedSecret(client, 'leadflow/signing-keys', keyRingFromSecret);
    expect(await keyRing()).toEqual({ current: 'k1', keys: { k1: ring.k1 } });
  });

  it('asks a secret given as a function for its value at each read, as a rotation in AWS is read', async () => {
    const read = () => cachedSecret(client, 'leadflow/form-captcha', (value) => JSON.parse(value) as unknown)();
    expect(await read()).toEqual({ turnstile: '0x4AAA-first' });
    captchaKeys = { turnstile: '0x4AAA-rotated' };
    expect(await read()).toEqual({ turnstile: '0x4AAA-rotated' });
  });

  it('says a secret it does not hold is not found', async () => {
    const missing = cachedSecret(client, 'leadflow/nothing', (value) => value);
    await expect(missing()).rejects.toThrow(/can't find the specified secret/);
  });

  it.each([
    ['not JSON', 'SerializationException'],
    ['[1, 2]', 'SerializationException'],
    ['null', 'SerializationException'],
    ['{"SecretId": 5}', 'ResourceNotFoundException'],
    ['{"SecretId": "__proto__"}', 'ResourceNotFoundException'],
    ['{"SecretId": "constructor"}', 'ResourceNotFoundException'],
  ])('answers a body of %s with a 400 %s, and keeps answering (it crashed the stack on a body not JSON)', async (body, type) => {
    const response = await fetch(endpoint, { method: 'POST', headers: { 'x-amz-target': 'secretsmanager.GetSecretValue', 'content-type': 'application/x-amz-json-1.1' }, body });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: type });
    const keyRing = cachedSecret(client, 'leadflow/signing-keys', keyRingFromSecret, 0);
    expect(await keyRing()).toEqual({ current: 'k1', keys: { k1: ring.k1 } });
  });
});
