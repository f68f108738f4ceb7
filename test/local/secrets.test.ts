import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/services';
import { startSecrets } from '../../local/secrets';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';

/** Local mode's Secrets Manager stand-in, read the way the functions read it: Powertools Parameters over the real SDK. */
let stop: () => Promise<unknown>;
let client: SecretsManagerClient;
const ring = { current: 'k1', k1: 'a-local-signing-key-of-32-bytes-0001' };

beforeAll(async () => {
  const secrets = await startSecrets({ port: await freePort(), region: 'us-east-1', secrets: { 'leadflow/signing-keys': JSON.stringify(ring) } });
  stop = secrets.stop;
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

  it('says a secret it does not hold is not found', async () => {
    const missing = cachedSecret(client, 'leadflow/nothing', (value) => value);
    await expect(missing()).rejects.toThrow(/can't find the specified secret/);
  });
});
