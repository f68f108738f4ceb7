import type { FunctionSpec, Manifest } from '../../manifest/types';
import { defineRoute } from '../../src/http/routes';

/** A manifest of test functions (test/local/fixtures), with HTTP limits no test reaches. */
export const fixtureManifest = (functions: FunctionSpec[]): Manifest => ({
  service: 'leadflow-test',
  http: { throttleRatePerSecond: 1_000, throttleBurst: 1_000, maxBodyBytes: 1024, perClient: { ratePerSecond: 1_000, burst: 1_000 } },
  functions,
});

/** A public `GET path` answered by the fixture at `entry`, with the grants given. */
export const httpFunction = (name: string, entry: string, path: string, grants: Pick<FunctionSpec, 'access' | 'table'>): FunctionSpec => ({
  name,
  description: 'test',
  entry,
  trigger: { kind: 'http', routes: [defineRoute({ operationId: name, method: 'GET', path, summary: 'What the function sees', request: {}, responses: { 200: { description: 'Its environment.' } } })], audience: 'public' },
  timeoutSeconds: 10,
  memoryMb: 256,
  ...grants,
});
