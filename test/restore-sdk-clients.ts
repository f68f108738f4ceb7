import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, vi } from 'vitest';

/**
 * Set-up of the files that mock SDK clients (`mockClient`) and share a worker process
 * (vitest.config.ts). A mock replaces `send` on the client's prototype for the whole process, and the
 * handler modules read their configuration and create their clients when first imported; so after each
 * file every client gets its own `send` back and the project's modules are imported afresh by the
 * next file (the SDK and other packages stay loaded, which is what sharing the process saves).
 * A client mocked in test/handlers or test/unit must be in this list.
 */
afterAll(() => {
  // `mockClient` on a mocked client replaces its mock; `restore` then gives back the client's own `send`.
  mockClient(CognitoIdentityProviderClient).restore();
  mockClient(DynamoDBDocumentClient).restore();
  mockClient(EventBridgeClient).restore();
  mockClient(SchedulerClient).restore();
  mockClient(SecretsManagerClient).restore();
  mockClient(SESv2Client).restore();
  mockClient(SQSClient).restore();
  vi.resetModules();
});
