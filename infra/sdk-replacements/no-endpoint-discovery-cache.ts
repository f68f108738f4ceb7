/**
 * Stands in for `@aws-sdk/endpoint-cache` in every function bundle (infra/function-bundling.ts). The
 * DynamoDB client creates one for endpoint discovery, which only a command with the endpoint discovery
 * plugin consults; none of the DynamoDB commands has it (test/infra/bundles.test.ts checks that no
 * bundle carries the discovery middleware), so the cache is created and never read. The package and
 * the LRU it is built on are 1 KB of every function with a table; this is the cache without entries.
 */
export class EndpointCache {
  constructor(readonly capacity: number) {}
}
