import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signToken, verifyToken } from '../../src/domain/consent/signed-token';
import { readStateValues, StateFileFault, type StateValues } from '../../local/state-files';

const folders: string[] = [];
const opened: StateValues[] = [];
afterEach(() => {
  for (const state of opened.splice(0)) {
    state.signingKeys.stop();
    state.formCaptchaSecrets.stop();
  }
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const stateFolder = (files: Record<string, string> = {}) => {
  const folder = mkdtempSync(join(tmpdir(), 'leadflow-state-'));
  folders.push(folder);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
  return folder;
};

async function read(folder: string, env: NodeJS.ProcessEnv = {}) {
  const lines: string[] = [];
  const state = await readStateValues({ stateDir: folder, shownStateDir: '.leadflow', env, log: (line) => lines.push(line) });
  opened.push(state);
  return { state, lines };
}

/** The one-line reason a start with these files and variables is refused. */
async function refusal(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    await read(stateFolder(files), env);
  } catch (error) {
    expect(error).toBeInstanceOf(StateFileFault);
    return (error as Error).message;
  }
  throw new Error('the start was not refused');
}

const SECRET = 'a-secret-of-forty-characters-0123456789ab';
const ring = (current: string, keys: Record<string, unknown>) => JSON.stringify({ current, keys });

describe("npm start's state files", () => {
  it('are made on first use, readable by their owner only, each whole, and read back the same at the next start', async () => {
    const folder = stateFolder();
    const { state: first } = await read(folder);
    expect(readdirSync(folder).sort()).toEqual(['dev-token', 'form-captcha.json', 'privacy-salt', 'signing-keys.json']);
    for (const name of readdirSync(folder)) expect(statSync(join(folder, name)).mode & 0o777).toBe(0o600);
    expect(first.devToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(first.devTokenFrom).toBe('file');
    expect(first.privacySalt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.formCaptchaSecrets.current()).toEqual({});
    const token = signToken(first.signingKeys.current(), 'unsubscribe', { leadId: 'lead-1' });

    const { state: second } = await read(folder);
    expect({ devToken: second.devToken, privacySalt: second.privacySalt, ring: second.signingKeys.current() }).toEqual({ devToken: first.devToken, privacySalt: first.privacySalt, ring: first.signingKeys.current() });
    expect(verifyToken(second.signingKeys.current(), 'unsubscribe', token, Date.now() / 1000)).toMatchObject({ valid: true });
  });

  it('take the admin token from LEADFLOW_DEV_TOKEN when it is set and not empty, as the CLI does', async () => {
    const { state } = await read(stateFolder({ 'dev-token': 'from-the-file-0123456789' }), { LEADFLOW_DEV_TOKEN: 'from-the-variable-0123456789' });
    expect({ devToken: state.devToken, from: state.devTokenFrom }).toEqual({ devToken: 'from-the-variable-0123456789', from: 'variable' });
    const { state: unset } = await read(stateFolder({ 'dev-token': 'from-the-file-0123456789\n' }), { LEADFLOW_DEV_TOKEN: '' });
    expect({ devToken: unset.devToken, from: unset.devTokenFrom }).toEqual({ devToken: 'from-the-file-0123456789', from: 'file' });
  });

  it.each([
    ['an empty admin token (a start killed as it wrote it, or a person)', { 'dev-token': '' }, {}, '.leadflow/dev-token is empty. Write a token there, or delete the file for a random one.'],
    ['an admin token with a space', { 'dev-token': 'two words of the token' }, {}, '.leadflow/dev-token is not 16 or more letters, digits or -._~+/ (it is sent as a bearer token). Write a token there, or delete the file for a random one.'],
    ['a short admin token in the variable', {}, { LEADFLOW_DEV_TOKEN: 'letmein' }, 'LEADFLOW_DEV_TOKEN is not 16 or more letters, digits or -._~+/ (it is sent as a bearer token). Set another, or unset it for the one in .leadflow/dev-token.'],
    ['a salt cut short', { 'privacy-salt': 'abc' }, {}, '.leadflow/privacy-salt is not one word of 32 or more characters. Put back the salt it held: with a new one, suppressed addresses no longer match their hashes.'],
    ['a key ring that is not JSON', { 'signing-keys.json': `{ "current": "k1", "keys": { "k1": "${SECRET}", } }` }, {}, '.leadflow/signing-keys.json is not valid JSON (line 1, column 81). Mend it: deleting it makes new keys, and the links in mail already sent stop working.'],
    ['a key ring in the form of the AWS secret', { 'signing-keys.json': JSON.stringify({ current: 'k1', k1: SECRET }) }, {}, '.leadflow/signing-keys.json has the field "k1" (only "current" and "keys").'],
    ['a current key the ring does not have', { 'signing-keys.json': ring('k2', { k1: SECRET }) }, {}, '.leadflow/signing-keys.json names "k2" as "current", which "keys" does not have.'],
    ['a weak key', { 'signing-keys.json': ring('k1', { k1: 'short' }) }, {}, '.leadflow/signing-keys.json has a key k1 that is not a string of 32 or more bytes.'],
    ['a key that is not a string', { 'signing-keys.json': ring('k1', { k1: 42 }) }, {}, '.leadflow/signing-keys.json has a key k1 that is not a string of 32 or more bytes.'],
    ['a key id a token cannot carry', { 'signing-keys.json': ring('k1', { k1: SECRET, 'key two': SECRET }) }, {}, '.leadflow/signing-keys.json has the key id "key two" (a key id is 1-32 letters, digits, _ or -).'],
    ['a key id the AWS form of the ring cannot hold', { 'signing-keys.json': ring('current', { current: SECRET }) }, {}, `.leadflow/signing-keys.json has the key id "current", which Secrets Manager's form of the ring keeps for the id of the current key.`],
    ['CAPTCHA keys that are not an object', { 'form-captcha.json': '["turnstile"]' }, {}, '.leadflow/form-captcha.json is not an object { "<secretName>": "<secret key>" }. Mend it, or delete it for none.'],
    ['a CAPTCHA key under a name no form can give', { 'form-captcha.json': '{ "my turnstile": "0x4AAA" }' }, {}, '.leadflow/form-captcha.json has the name "my turnstile", which no form can name (a secretName is 1-64 letters, digits, - or _).'],
    ['a CAPTCHA key that is not a string', { 'form-captcha.json': '{ "turnstile": { "key": "0x4AAA" } }' }, {}, '.leadflow/form-captcha.json has no secret key for turnstile (a string, as the provider gave it).'],
  ])('refuse %s in one line naming the file and the fault, quoting no secret', async (_, files, env, message) => {
    const refused = await refusal(files, env);
    expect(refused.slice(0, message.length)).toBe(message);
    expect(refused).not.toContain(SECRET);
    expect(refused).not.toContain('0x4AAA');
    expect(refused.split('\n')).toHaveLength(1);
  });

  it('refuse one that cannot be read, naming why, and go on serving what they served when one stops being readable while leadflow runs', async () => {
    const folder = stateFolder();
    mkdirSync(join(folder, 'form-captcha.json'));
    await expect(read(folder)).rejects.toThrow('.leadflow/form-captcha.json cannot be read (EISDIR). Mend it, or delete it for none.');
    rmSync(join(folder, 'form-captcha.json'), { recursive: true });
    const { state, lines } = await read(folder);
    rmSync(join(folder, 'signing-keys.json'));
    mkdirSync(join(folder, 'signing-keys.json'));
    const before = state.signingKeys.current();
    expect(before.current).toBe('k1');
    expect(lines.at(-1)).toBe('.leadflow/signing-keys.json changed, but it cannot be read (EISDIR), so the functions keep it as it was. Mend it: deleting it makes new keys, and the links in mail already sent stop working.');
  });

  it('leave a file a person edited as it was when they refuse it, and quote none of it where the parser cannot say where it failed', async () => {
    const text = '{ "turnstile": "0x4AAA" }\n{ "hcaptcha": "0x4AAA" }';
    const folder = stateFolder({ 'form-captcha.json': text });
    await expect(read(folder)).rejects.toThrow(/^\.leadflow\/form-captcha\.json is not valid JSON(?: \(line 2, column 1\))?\. Mend it, or delete it for none\.$/);
    expect(readFileSync(join(folder, 'form-captcha.json'), 'utf8')).toBe(text);
  });
});

describe('the key ring and CAPTCHA keys while leadflow runs', () => {
  it('are served as their files are edited, a rotation as in AWS; an edit that does not parse, or a removal, keeps what was served and says why', async () => {
    const folder = stateFolder({ 'signing-keys.json': ring('k1', { k1: SECRET }) });
    const { state, lines } = await read(folder);
    const before = state.signingKeys.current();
    const oldLink = signToken(before, 'unsubscribe', { leadId: 'lead-1' });

    writeFileSync(join(folder, 'signing-keys.json'), ring('k2', { k1: SECRET, k2: `${SECRET}-rotated` }));
    const rotated = state.signingKeys.current();
    expect(rotated.current).toBe('k2');
    expect(signToken(rotated, 'unsubscribe', { leadId: 'lead-1' })).toMatch(/^v1\.k2\./);
    expect(verifyToken(rotated, 'unsubscribe', oldLink, Date.now() / 1000)).toMatchObject({ valid: true });
    expect(lines).toEqual(['.leadflow/signing-keys.json changed: each function takes it once its copy is POWERTOOLS_PARAMETERS_MAX_AGE seconds old (300 by default), as after a rotation in AWS']);

    writeFileSync(join(folder, 'signing-keys.json'), ring('k3', { k1: SECRET }));
    expect(state.signingKeys.current()).toEqual(rotated);
    expect(lines.at(-1)).toBe(
      '.leadflow/signing-keys.json changed, but it names "k3" as "current", which "keys" does not have, so the functions keep it as it was. Mend it: deleting it makes new keys, and the links in mail already sent stop working.',
    );

    rmSync(join(folder, 'form-captcha.json'));
    expect(state.formCaptchaSecrets.current()).toEqual({});
    expect(state.formCaptchaSecrets.current()).toEqual({});
    expect(lines.filter((line) => line.includes('form-captcha.json'))).toEqual(['.leadflow/form-captcha.json was removed, so the functions keep it as it was. Mend it, or delete it for none.']);
    writeFileSync(join(folder, 'form-captcha.json'), '{ "turnstile": "0x4AAA" }');
    expect(state.formCaptchaSecrets.current()).toEqual({ turnstile: '0x4AAA' });
  });

  it('report an edit as it is made, before any function reads the secret', async () => {
    const folder = stateFolder();
    const { lines } = await read(folder);
    writeFileSync(join(folder, 'form-captcha.json'), '{ "turnstile": "0x4AAA", }');
    const deadline = Date.now() + 10_000;
    while (!lines.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines).toEqual(['.leadflow/form-captcha.json changed, but it is not valid JSON (line 1, column 26), so the functions keep it as it was. Mend it, or delete it for none.']);
  });
});
