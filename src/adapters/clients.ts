import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * The SDK's logger middleware evaluates its log entry (input and output copied through the operation's
 * schema to hide sensitive members) on every call, then hands it to a logger that drops it: no client
 * here is given a logger. Taking it out saves that walk over every item a query returns.
 */
function withoutSdkLogEntries<T extends { middlewareStack: { remove(name: string): boolean } }>(client: T): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

/**
 * SDK clients, created once per cold start and reused by every invocation. Endpoints come from the
 * standard AWS_ENDPOINT_URL_* variables, which is how the local runtime points them at its stand-ins.
 */
export const documentClient = () =>
  DynamoDBDocumentClient.from(withoutSdkLogEntries(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
export const eventBridgeClient = () => withoutSdkLogEntries(new EventBridgeClient({}));
export const sesClient = () => withoutSdkLogEntries(new SESv2Client({}));
export const secretsManagerClient = () => withoutSdkLogEntries(new SecretsManagerClient({}));
export const schedulerClient = () => withoutSdkLogEntries(new SchedulerClient({}));
export const cognitoClient = () => withoutSdkLogEntries(new CognitoIdentityProviderClient({}));
/** Talks to the regional endpoint (or the local stand-in) rather than the host inside a queue URL. */
export const sqsClient = () => withoutSdkLogEntries(new SQSClient({ useQueueUrlAsEndpoint: false }));
