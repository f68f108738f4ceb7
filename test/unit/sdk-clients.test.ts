import { describe, expect, it } from 'vitest';

process.env.AWS_REGION ??= 'us-east-1';
const clients = await import('../../src/adapters/clients');

describe('the SDK clients the functions share', () => {
  it('carry no logger middleware (its log entry was built on every call for a logger that drops it)', () => {
    // The document client's stack is the DynamoDB client's under it.
    for (const client of [clients.documentClient(), clients.eventBridgeClient(), clients.sesClient(), clients.secretsManagerClient(), clients.schedulerClient(), clients.sqsClient()]) {
      expect(client.middlewareStack.identify().join(' ')).not.toContain('loggerMiddleware');
    }
  });
});
