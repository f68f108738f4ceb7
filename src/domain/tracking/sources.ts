import * as z from 'zod/mini';
import { Origin } from '../origin';

/**
 * A source is one website (or app) sending tracking calls. Its write key is a public identifier, in
 * every page's snippet: it says which source a call is for, and only pages of the source's origins
 * may use it from a browser. It is not a secret, so it is rotated for hygiene (a key copied to a
 * site it should not be on) and revoked to stop a source at once.
 */
export interface Source {
  readonly id: string;
  readonly name: string;
  /** Browser origins (`https://www.example.com`) whose pages may send with the source's keys. */
  readonly origins: readonly string[];
  readonly createdAt: string;
}

export interface WriteKey {
  readonly writeKey: string;
  readonly sourceId: string;
  readonly createdAt: string;
  /** A rotated-out key keeps working until then, so pages cached with it still send. */
  readonly validUntil?: string;
  readonly revokedAt?: string;
}

/** How long a rotated-out key keeps working by default: a day covers pages and CDNs caching the old snippet. */
export const DEFAULT_ROTATION_GRACE_HOURS = 24;
export const MAX_ROTATION_GRACE_HOURS = 30 * 24;

/** A write key whose calls are accepted at `now`: not revoked, not past its grace period. */
export const isKeyValid = (key: Pick<WriteKey, 'revokedAt' | 'validUntil'>, now: Date): boolean => !key.revokedAt && (!key.validUntil || Date.parse(key.validUntil) > now.getTime());

export const WRITE_KEY_PATTERN = /^wk_[A-Za-z0-9_-]{32}$/;

export const SourceRequest = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(200), z.regex(/^[^\p{Cc}]+$/u, 'must not contain control characters')),
  origins: z.array(Origin).check(z.minLength(1, 'must list at least one origin'), z.maxLength(50)),
});
export type SourceRequest = z.infer<typeof SourceRequest>;

export const RotationRequest = z.strictObject({
  graceHours: z._default(z.number().check(z.int(), z.gte(0), z.lte(MAX_ROTATION_GRACE_HOURS)), DEFAULT_ROTATION_GRACE_HOURS),
});

/** Whether a browser page of `origin` may send with the source's keys. Calls without an origin (servers) may. */
export const originAllowed = (source: Pick<Source, 'origins'>, origin: string | undefined): boolean => origin === undefined || source.origins.includes(origin);
