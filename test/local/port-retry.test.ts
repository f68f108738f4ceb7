import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * Stacks started side by side find their ports free, then listen a moment later: another process can
 * take a port in between. Here the secrets port found for the first start is already taken.
 */
const held = createServer();
const state = vi.hoisted(() => ({ takenPort: 0, calls: 0 }));

vi.mock('../../local/services', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../local/services')>();
  return {
    ...original,
    // The sixth port asked for in a start is the secrets stand-in's (see startOnce).
    freePort: async () => {
      state.calls += 1;
      return state.calls === 6 ? state.takenPort : original.freePort();
    },
  };
});

beforeAll(async () => {
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
  state.takenPort = (held.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => held.close(resolve));
});

describe('local stack start-up', () => {
  it('starts again on fresh ports when a port found free was taken before it was listened on', async () => {
    const { startLocalStack } = await import('../../local/stack');
    const lines: string[] = [];
    const stack = await startLocalStack({ log: (line) => lines.push(line) });
    try {
      expect(lines).toContain('a port was taken while starting; starting again (2 of 3)');
      expect(new URL(stack.endpoints.secretsmanager).port).not.toBe(String(state.takenPort));
      expect((await fetch(`${stack.apiUrl}/v1/openapi.json`)).status).toBe(200);
    } finally {
      await stack.stop();
    }
  });
});
