import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { replaceAtomically } from './atomic-file';
import { checkKeyRing, KEY_ID, MIN_SECRET_BYTES, type KeyRing } from '../src/domain/consent/signed-token';

/**
 * The secrets `npm start` keeps in its state folder between runs: the admin token, the key ring that
 * signs subscriber links, the salt of address hashes and the forms' CAPTCHA secret keys. Each is made
 * on first use and checked at every start, so a file a person edited wrongly stops the start with one
 * line naming the file and the fault, instead of a stack trace or functions that fail at their first
 * link. The key ring and the CAPTCHA keys are read again when their file changes, as a rotation in
 * Secrets Manager reaches the functions.
 */

/** A state file or variable that cannot be used as it is: its message names it, the fault and the way out. */
export class StateFileFault extends Error {}

/** A fault in a file's text, named without quoting the text (it holds secrets). */
class Fault extends Error {}

/** A key ring with one fresh random key. */
export const newKeyRing = (): KeyRing => ({ current: 'k1', keys: { k1: randomBytes(32).toString('base64url') } });

/** What `Authorization: Bearer` carries (RFC 6750's b64token), long enough not to be guessed. */
const DEV_TOKEN = /^[A-Za-z0-9._~+/-]{16,512}=*$/;
const DEV_TOKEN_RULE = 'is not 16 or more letters, digits or -._~+/ (it is sent as a bearer token)';
const MIN_SALT_LENGTH = 32;
/** A forms' `captcha.secretName` (src/domain/forms/definition.ts): any other name is never looked up. */
const SECRET_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The admin token's variable; empty counts as unset, as the CLI reads it. */
export const DEV_TOKEN_VARIABLE = 'LEADFLOW_DEV_TOKEN';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What is wrong with a file's `text` that JSON.parse refused with `error`: where, when the parser
 * says, and no more (its own message may quote the text).
 */
export function notJson(text: string, error: unknown): string {
  const position = Number(/at position (\d+)/.exec((error as Error).message)?.[1] ?? Number.NaN);
  if (Number.isNaN(position)) return 'is not valid JSON';
  const before = text.slice(0, position).split('\n');
  return `is not valid JSON (line ${before.length}, column ${(before.at(-1) ?? '').length + 1})`;
}

/** A watched file's text; one that cannot be read (a folder put in its place, its permissions taken) is a fault like any other. */
function readNow(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new Fault(`cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Fault(notJson(text, error));
  }
}

function devToken(text: string): string {
  if (!text) throw new Fault('is empty');
  if (!DEV_TOKEN.test(text)) throw new Fault(DEV_TOKEN_RULE);
  return text;
}

function privacySalt(text: string): string {
  if (text.length < MIN_SALT_LENGTH || /\s/.test(text)) throw new Fault(`is not one word of ${MIN_SALT_LENGTH} or more characters`);
  return text;
}

function signingKeys(text: string): KeyRing {
  const ring = parsedJson(text);
  if (!isRecord(ring)) throw new Fault('is not an object { "current": "<key id>", "keys": { "<key id>": "<secret>" } }');
  const unknown = Object.keys(ring).filter((name) => name !== 'current' && name !== 'keys');
  if (unknown.length) throw new Fault(`has the field ${JSON.stringify(unknown[0])} (only "current" and "keys")`);
  const { current, keys } = ring;
  if (typeof current !== 'string') throw new Fault('has no "current", the key id new links are signed with');
  if (!isRecord(keys)) throw new Fault('has no "keys", an object of key ids and their secrets');
  for (const [kid, secret] of Object.entries(keys)) {
    if (!KEY_ID.test(kid)) throw new Fault(`has the key id ${JSON.stringify(kid)} (a key id is 1-32 letters, digits, _ or -)`);
    if (kid === 'current') throw new Fault('has the key id "current", which Secrets Manager\'s form of the ring keeps for the id of the current key');
    if (typeof secret !== 'string' || Buffer.byteLength(secret) < MIN_SECRET_BYTES) throw new Fault(`has a key ${kid} that is not a string of ${MIN_SECRET_BYTES} or more bytes`);
  }
  if (!Object.hasOwn(keys, current)) throw new Fault(`names ${JSON.stringify(current)} as "current", which "keys" does not have`);
  return checkKeyRing({ current, keys: keys as Record<string, string> });
}

function formCaptchaSecrets(text: string): Readonly<Record<string, string>> {
  const secrets = parsedJson(text);
  if (!isRecord(secrets)) throw new Fault('is not an object { "<secretName>": "<secret key>" }');
  for (const [name, key] of Object.entries(secrets)) {
    if (!SECRET_NAME.test(name)) throw new Fault(`has the name ${JSON.stringify(name)}, which no form can name (a secretName is 1-64 letters, digits, - or _)`);
    if (typeof key !== 'string' || !key) throw new Fault(`has no secret key for ${name} (a string, as the provider gave it)`);
  }
  return secrets as Record<string, string>;
}

interface StateFile<T> {
  readonly name: string;
  readonly parse: (text: string) => T;
  /** The file's text on first use. */
  readonly create: () => string;
  /** What to do about a fault. */
  readonly remedy: string;
}

const FILES = {
  devToken: { name: 'dev-token', parse: devToken, create: () => randomBytes(24).toString('base64url'), remedy: 'Write a token there, or delete the file for a random one.' },
  signingKeys: {
    name: 'signing-keys.json',
    parse: signingKeys,
    create: () => JSON.stringify(newKeyRing()),
    remedy: 'Mend it: deleting it makes new keys, and the links in mail already sent stop working.',
  },
  privacySalt: {
    name: 'privacy-salt',
    parse: privacySalt,
    create: () => randomBytes(32).toString('base64url'),
    remedy: 'Put back the salt it held: with a new one, suppressed addresses no longer match their hashes.',
  },
  formCaptchaSecrets: { name: 'form-captcha.json', parse: formCaptchaSecrets, create: () => '{}', remedy: 'Mend it, or delete it for none.' },
} as const satisfies Record<string, StateFile<unknown>>;

/** A state file's value as it is now, read again when the file changes. */
export interface LiveStateFile<T> {
  current(): T;
  /** Stops watching the file. */
  stop(): void;
}

export interface StateValues {
  readonly devToken: string;
  /** Where the admin token came from: the state folder's file, or the variable. */
  readonly devTokenFrom: 'file' | 'variable';
  readonly privacySalt: string;
  readonly signingKeys: LiveStateFile<KeyRing>;
  readonly formCaptchaSecrets: LiveStateFile<Readonly<Record<string, string>>>;
}

/** How often an edit of a watched state file is looked for, so its outcome is reported as it happens. */
const WATCH_INTERVAL_MS = 1000;

/**
 * Reads the state folder's secrets, making each missing file (readable by its owner only, written
 * whole: a start killed mid-write leaves no half file); throws StateFileFault naming a file or
 * `LEADFLOW_DEV_TOKEN` that cannot be used. `shownStateDir` is the folder as the user should read it;
 * `log` reports what became of an edit of a watched file.
 */
export async function readStateValues(options: { readonly stateDir: string; readonly shownStateDir: string; readonly env: NodeJS.ProcessEnv; readonly log: (line: string) => void }): Promise<StateValues> {
  const { stateDir, shownStateDir, env, log } = options;
  const shown = (file: StateFile<unknown>) => join(shownStateDir, file.name);

  const textOf = async (file: StateFile<unknown>): Promise<string> => {
    const path = join(stateDir, file.name);
    try {
      return readFileSync(path, 'utf8').trim();
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      if (code !== 'ENOENT') throw new StateFileFault(`${shown(file)} cannot be read (${code}). ${file.remedy}`);
    }
    const text = file.create();
    await replaceAtomically(path, `${text}\n`);
    return text;
  };
  const parsedOrFault = <T>(file: StateFile<T>, text: string): T => {
    try {
      return file.parse(text);
    } catch (error) {
      if (!(error instanceof Fault)) throw error;
      throw new StateFileFault(`${shown(file)} ${error.message}. ${file.remedy}`);
    }
  };
  const live = async <T>(file: StateFile<T>): Promise<LiveStateFile<T>> => {
    const path = join(stateDir, file.name);
    const sameFile = (a: Stats, b: Stats) => a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
    let value = parsedOrFault(file, await textOf(file));
    /** The file as last read, or undefined while it is gone. */
    let seen: Stats | undefined = statSync(path);
    const refresh = () => {
      let now: Stats;
      try {
        now = statSync(path);
      } catch {
        if (seen) log(`${shown(file)} was removed, so the functions keep it as it was. ${file.remedy}`);
        seen = undefined;
        return;
      }
      if (seen && sameFile(now, seen)) return;
      seen = now;
      try {
        value = file.parse(readNow(path));
        log(`${shown(file)} changed: each function takes it once its copy is POWERTOOLS_PARAMETERS_MAX_AGE seconds old (300 by default), as after a rotation in AWS`);
      } catch (error) {
        if (!(error instanceof Fault)) throw error;
        log(`${shown(file)} changed, but it ${error.message}, so the functions keep it as it was. ${file.remedy}`);
      }
    };
    // Looked at each second besides at each read, so an edit is reported as it is made (a timer of its
    // own: fs.watchFile takes its first look later, and misses an edit made before it).
    const watch = setInterval(refresh, WATCH_INTERVAL_MS).unref();
    return {
      current: () => {
        refresh();
        return value;
      },
      stop: () => clearInterval(watch),
    };
  };

  const fromVariable = env[DEV_TOKEN_VARIABLE];
  let token: string;
  if (fromVariable) {
    try {
      token = devToken(fromVariable);
    } catch (error) {
      throw new StateFileFault(`${DEV_TOKEN_VARIABLE} ${(error as Error).message}. Set another, or unset it for the one in ${shown(FILES.devToken)}.`);
    }
  } else token = parsedOrFault(FILES.devToken, await textOf(FILES.devToken));
  const salt = parsedOrFault(FILES.privacySalt, await textOf(FILES.privacySalt));
  const ring = await live(FILES.signingKeys);
  try {
    return { devToken: token, devTokenFrom: fromVariable ? 'variable' : 'file', privacySalt: salt, signingKeys: ring, formCaptchaSecrets: await live(FILES.formCaptchaSecrets) };
  } catch (error) {
    ring.stop();
    throw error;
  }
}
