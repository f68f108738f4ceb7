import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../local/services';
import { startLocalStack } from '../../local/stack';
import type { Manifest } from '../../manifest/types';

const javaProcessesOnPort = (port: string) => {
  try {
    return execFileSync('pgrep', ['-f', `DynamoDBLocal.jar.*-port ${port}`]).toString().trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

describe('local stack lifecycle', () => {
  it('leaves no DynamoDB Local process behind after stop()', async () => {
    const stack = await startLocalStack({ log: () => {} });
    const port = new URL(stack.endpoints.dynamodb).port;
    try {
      expect(javaProcessesOnPort(port)).toHaveLength(1);
    } finally {
      await stack.stop();
    }
    expect(javaProcessesOnPort(port)).toEqual([]);
  });

  it('refuses to start with an event pattern operator the local bus does not implement, naming the function', async () => {
    const manifest: Manifest = {
      service: 'test',
      http: { throttleRatePerSecond: 1, throttleBurst: 1, maxBodyBytes: 1024, perClient: { ratePerSecond: 1, burst: 1 } },
      functions: [
        {
          name: 'regex-consumer',
          description: 'test',
          entry: 'functions/score-lead/handler.ts',
          trigger: { kind: 'event', pattern: { detail: { url: [{ regex: '.*' }] } }, batchSize: 1, maxBatchingWindowSeconds: 0, maxReceiveCount: 1, oldestMessageAlarmMinutes: 5 },
          timeoutSeconds: 1,
          memoryMb: 128,
          access: [],
        },
      ],
    };
    await expect(startLocalStack({ manifest, log: () => {} })).rejects.toThrow(/regex-consumer.*unsupported operator "regex"/);
  });

  it('fails at once, stopping what it started, when a port it must listen on is taken', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as AddressInfo).port;
    const dynamodb = await freePort();
    try {
      const started = Date.now();
      await expect(startLocalStack({ ports: { dynamodb, secrets: taken }, log: () => {} })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(javaProcessesOnPort(String(dynamodb))).toEqual([]);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
