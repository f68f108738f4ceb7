/**
 * Stands in for `mnemonist/lru-cache` in every function bundle (infra/function-bundling.ts). Its one
 * user is the DynamoDB client's endpoint discovery cache (`@aws-sdk/endpoint-cache`), which every
 * client creates and which stays empty: endpoint discovery is off unless a client turns it on, and
 * leadflow's never do. mnemonist brings 7 KB for it; this keeps the same bounded, least recently used
 * cache on a Map, with the methods the endpoint cache calls.
 */
export default class LRUCache<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    if (!this.#entries.has(key)) return undefined;
    const value = this.#entries.get(key) as V;
    // Map keeps insertion order: taken out and put back, the entry becomes the most recently used.
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  peek(key: K): V | undefined {
    return this.#entries.get(key);
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  set(key: K, value: V): this {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value as K);
    return this;
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
