import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cachedSecret } from '../../src/adapters/secrets';

const secrets = mockClient(SecretsManagerClient);
const reads = () => secrets.commandCalls(GetSecretValueCommand).length;

beforeEach(() => {
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'salt-1' });
  vi.useFakeTimers({ toFake: ['Date'] });
});

afterEach(() => {
  vi.useRealTimers();
  delete process.env.POWERTOOLS_PARAMETERS_MAX_AGE;
});

describe('secrets with a time-to-live', () => {
  it('reads a secret once for 300 s, then again, so a rotated value reaches a warm function', async () => {
    const salt = cachedSecret(new SecretsManagerClient({ region: 'us-east-1' }), 'leadflow/privacy-salt', (value) => value);
    expect(await salt()).toBe('salt-1');
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'salt-2' });
    vi.setSystemTime(Date.now() + 299_000);
    expect(await salt()).toBe('salt-1');
    vi.setSystemTime(Date.now() + 2_000);
    expect(await salt()).toBe('salt-2');
    expect(reads()).toBe(2);
  });

  it('takes its time-to-live from POWERTOOLS_PARAMETERS_MAX_AGE, refusing a value that is not a positive whole number of seconds', async () => {
    process.env.POWERTOOLS_PARAMETERS_MAX_AGE = '2';
    const salt = cachedSecret(new SecretsManagerClient({ region: 'us-east-1' }), 'leadflow/privacy-salt', (value) => value);
    await salt();
    vi.setSystemTime(Date.now() + 3_000);
    await salt();
    expect(reads()).toBe(2);
    process.env.POWERTOOLS_PARAMETERS_MAX_AGE = '0';
    expect(() => cachedSecret(new SecretsManagerClient({ region: 'us-east-1' }), 'x', (value) => value)).toThrow(/POWERTOOLS_PARAMETERS_MAX_AGE/);
  });

  it('shares one read among concurrent callers and parses each new value once', async () => {
    const parse = vi.fn((value: string) => value.toUpperCase());
    const salt = cachedSecret(new SecretsManagerClient({ region: 'us-east-1' }), 'leadflow/privacy-salt', parse);
    expect(await Promise.all(Array.from({ length: 10 }, () => salt()))).toEqual(Array(10).fill('SALT-1'));
    expect(await salt()).toBe('SALT-1');
    expect(reads()).toBe(1);
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('reads again after a failed read rather than keeping the failure', async () => {
    secrets.on(GetSecretValueCommand).rejectsOnce(new Error('ThrottlingException')).resolves({ SecretString: 'salt-1' });
    const salt = cachedSecret(new SecretsManagerClient({ region: 'us-east-1' }), 'leadflow/privacy-salt', (value) => value);
    await expect(salt()).rejects.toThrow(/ThrottlingException/);
    expect(await salt()).toBe('salt-1');
  });
});
