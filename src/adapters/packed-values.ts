/**
 * Values as the items the pipeline writes and reads most store them, packed: DynamoDB bills reads and
 * writes by item size, and names and times as text are most of a small item. Each reads back exactly
 * what was given, and a value that would not is stored as it was.
 */

/** A count as stored: the number, or 0 where the item has none yet. */
export const countOf = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** Event ids as intake stores them (`scopedEventId`): `ev_` and 32 hex digits, packed as 16 bytes. */
const INTAKE_ID = /^ev_[0-9a-f]{32}$/;
const INTAKE_ID_PREFIX = 'ev_';
export const INTAKE_ID_BYTES = 16;

/** A time as milliseconds (8 bytes where the text is 24) when that gives it back exactly, else as the text it was. */
export const timeOut = (at: string): number | string => {
  const ms = Date.parse(at);
  return Number.isFinite(ms) && new Date(ms).toISOString() === at ? ms : at;
};

export const timeIn = (value: unknown): string => (typeof value === 'number' ? new Date(value).toISOString() : String(value));

/** An intake id's 16 bytes; undefined for any other id. */
export const intakeIdBytes = (id: string): Uint8Array | undefined => (INTAKE_ID.test(id) ? Buffer.from(id.slice(INTAKE_ID_PREFIX.length), 'hex') : undefined);

export const intakeIdFrom = (bytes: Uint8Array) => `${INTAKE_ID_PREFIX}${Buffer.from(bytes).toString('hex')}`;

/** An id as an item stores it: an intake id as its 16 bytes, any other as its text. */
export const idOut = (id: string): Uint8Array | string => intakeIdBytes(id) ?? id;

export const idIn = (value: unknown): string => (value instanceof Uint8Array ? intakeIdFrom(value) : String(value));

/** A UUID's text as `uuidText` writes it (lowercase, hyphenated), as a pattern's source. */
export const UUID_TEXT = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** A UUID as the tracking snippet makes its messageIds: 16 bytes where the text is 36. */
const CLIENT_UUID = new RegExp(`^${UUID_TEXT}$`);

/** A client's event id as an item stores it: a lowercase UUID as its 16 bytes, any other id as its text. */
export const clientIdOut = (id: string): Uint8Array | string => (CLIENT_UUID.test(id) ? new Uint8Array(Buffer.from(id.replaceAll('-', ''), 'hex')) : id);

export const clientIdIn = (value: unknown): string => (value instanceof Uint8Array ? uuidText(value) : String(value));

/** 16 bytes as a UUID's text: lowercase, hyphenated. */
export function uuidText(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A request's fingerprint (`requestFingerprint`, SHA-256 as base64url) as its 32 bytes; any other text as it is. */
export const fingerprintOut = (hash: string): Uint8Array | string => {
  const bytes = Buffer.from(hash, 'base64url');
  return bytes.toString('base64url') === hash ? new Uint8Array(bytes) : hash;
};

export const fingerprintIn = (value: unknown): string => (value instanceof Uint8Array ? Buffer.from(value).toString('base64url') : String(value));
