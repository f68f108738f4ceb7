import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startLocalStack } from '../../infra/local/stack';
import type { Manifest } from '../../shared/manifest/types';

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
    expect(javaProcessesOnPort(port)).toHaveLength(1);
    await stack.stop();
    expect(javaProcessesOnPort(port)).toEqual([]);
  });

  it('refuses to start with an event pattern operator the local bus does not implement, naming the function', async () => {
    const manifest: Manifest = {
      service: 'test',
      http: { throttleRatePerSecond: 1, throttleBurst: 1, maxBodyBytes: 1024 },
      functions: [
        {
          name: 'regex-consumer',
          description: 'test',
          entry: 'functions/score-lead/handler.ts',
          trigger: { kind: 'event', pattern: { detail: { url: [{ regex: '.*' }] } }, batchSize: 1, maxBatchingWindowSeconds: 0, maxReceiveCount: 1 },
          timeoutSeconds: 1,
          memoryMb: 128,
          access: [],
        },
      ],
    };
    await expect(startLocalStack({ manifest, log: () => {} })).rejects.toThrow(/regex-consumer.*unsupported operator "regex"/);
  });
});
