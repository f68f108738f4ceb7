import { randomBytes, randomUUID } from 'node:crypto';
import { Conflict, NotFound } from '../domain/errors';
import type { Page, PageRequest } from '../domain/page';
import { isKeyValid, type Source, type SourceRequest, type WriteKey } from '../domain/tracking/sources';

/** A new write key (WRITE_KEY_PATTERN): 24 random bytes, so keys cannot be guessed from each other. */
const newWriteKey = (): string => `wk_${randomBytes(24).toString('base64url')}`;

type StoredKey = Omit<WriteKey, 'sourceId'>;
export interface StoredSource extends Source {
  readonly keys: readonly StoredKey[];
  readonly keysVersion: number;
}

export interface SourceRepository {
  create(source: Source, writeKey: string): Promise<StoredSource>;
  get(sourceId: string): Promise<StoredSource | undefined>;
  list(request: PageRequest): Promise<Page<StoredSource>>;
  updateKeys(read: StoredSource, updated: readonly StoredKey[]): Promise<'updated' | 'changed'>;
  /** Renames the source and replaces its origins, on the source and on each of `liveKeys`' items, while it is still as `read`. */
  updateSource(read: StoredSource, changes: Pick<Source, 'name' | 'origins'>, liveKeys: readonly StoredKey[]): Promise<'updated' | 'changed'>;
}

/** A source as an admin sees it: its keys with whether each works now. */
export interface SourceView extends Source {
  readonly writeKey: string | undefined;
  readonly keys: readonly (StoredKey & { readonly valid: boolean })[];
}

const view = (source: StoredSource, now: Date): SourceView => {
  const keys = source.keys.map((key) => ({ ...key, valid: isKeyValid(key, now) }));
  const { keysVersion: _version, ...rest } = source;
  return { ...rest, keys, writeKey: keys.find((key) => key.valid && !key.validUntil)?.writeKey };
};

/**
 * Tracking sources as data: add one with its origins and first write key, list them, change its name
 * and origins, rotate a key (the new one works at once; the old one for a grace period, so cached
 * pages still send), revoke one key or all of a source's (refused from then on, however recently they
 * were rotated).
 */
export class TrackingSources {
  constructor(
    private readonly sources: SourceRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async add(request: SourceRequest): Promise<SourceView> {
    const now = this.clock();
    const source: Source = { id: randomUUID(), name: request.name, origins: [...new Set(request.origins)], createdAt: now.toISOString() };
    return view(await this.sources.create(source, newWriteKey()), now);
  }

  async list(request: PageRequest): Promise<Page<SourceView>> {
    const now = this.clock();
    const page = await this.sources.list(request);
    return { ...page, items: page.items.map((source) => view(source, now)) };
  }

  /**
   * Renames a source and replaces the origins whose pages may send with its keys: a site that moved or
   * added a domain keeps its snippet and key. The keys still valid carry the new origins for the
   * collector; revoked and ended ones refuse every call whatever their origins.
   */
  async update(sourceId: string, request: SourceRequest): Promise<SourceView> {
    const now = this.clock();
    const source = await this.existing(sourceId);
    const changes = { name: request.name, origins: [...new Set(request.origins)] };
    const liveKeys = source.keys.filter((key) => isKeyValid(key, now));
    if ((await this.sources.updateSource(source, changes, liveKeys)) === 'changed') throw new Conflict(`Source ${source.id} changed meanwhile; look at it and try again`);
    return view({ ...source, ...changes, keysVersion: source.keysVersion + 1 }, now);
  }

  /** A new current key; every key still valid without an end gets one `graceHours` from now (0: at once). */
  async rotate(sourceId: string, graceHours: number): Promise<SourceView> {
    const now = this.clock();
    const source = await this.existing(sourceId);
    const until = new Date(now.getTime() + graceHours * 3_600_000).toISOString();
    const fresh: StoredKey = { writeKey: newWriteKey(), createdAt: now.toISOString() };
    const kept = source.keys.map((key) => (isKeyValid(key, now) && (!key.validUntil || key.validUntil > until) ? { ...key, validUntil: until } : key));
    return this.write(source, [fresh, ...kept], now);
  }

  /** Revokes one key of the source, or all of them when none is named. */
  async revoke(sourceId: string, writeKey: string | undefined): Promise<SourceView> {
    const now = this.clock();
    const source = await this.existing(sourceId);
    if (writeKey !== undefined && !source.keys.some((key) => key.writeKey === writeKey)) throw new NotFound(`Source ${sourceId} has no such write key`, [{ field: 'writeKey', message: 'is not a key of this source' }]);
    const revoked = source.keys.map((key) => ((writeKey === undefined || key.writeKey === writeKey) && !key.revokedAt ? { ...key, revokedAt: now.toISOString() } : key));
    return this.write(source, revoked, now);
  }

  private async existing(sourceId: string): Promise<StoredSource> {
    const source = await this.sources.get(sourceId);
    if (!source) throw new NotFound(`No source ${sourceId}`);
    return source;
  }

  private async write(source: StoredSource, keys: readonly StoredKey[], now: Date): Promise<SourceView> {
    if ((await this.sources.updateKeys(source, keys)) === 'changed') throw new Conflict(`The keys of source ${source.id} changed meanwhile; look at them and try again`);
    return view({ ...source, keys, keysVersion: source.keysVersion + 1 }, now);
  }
}
