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
 * The first call makes the client and every later one in the process returns it: a handler gives each
 * of its stores `documentClient()`, and one client per service means one middleware stack resolved,
 * one set of credentials and one pool of kept-alive connections per cold start, not one per store.
 * Each use is marked pure so that a bundle leaves out the clients its function never asks for.
 */
function onePerProcess<T>(make: () => T): () => T {
  let client: T | undefined;
  return () => {
    client ??= make();
    return client;
  };
}

/**
 * SDK clients, created once per cold start and reused by every invocation. Endpoints come from the
 * standard AWS_ENDPOINT_URL_* variables, which is how the local runtime points them at its stand-ins.
 */
export const documentClient = /* @__PURE__ */ onePerProcess(() =>
  DynamoDBDocumentClient.from(withoutSdkLogEntries(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  }),
);
/**
 * The clients below resolve their middleware stack once per command class instead of on every call (a
 * sort and copy of some 30 entries, the SDK's own estimate 0-1 ms a request): nothing changes their
 * stacks after they are made. The document client cannot: lib-dynamodb refuses the option, its
 * commands wrapping a command of their own per call.
 */
const RESOLVED_ONCE = { cacheMiddleware: true };
export const eventBridgeClient = /* @__PURE__ */ onePerProcess(() => withoutSdkLogEntries(new EventBridgeClient(RESOLVED_ONCE)));
export const sesClient = /* @__PURE__ */ onePerProcess(() => withoutSdkLogEntries(new SESv2Client(RESOLVED_ONCE)));
export const secretsManagerClient = /* @__PURE__ */ onePerProcess(() => withoutSdkLogEntries(new SecretsManagerClient(RESOLVED_ONCE)));
export const schedulerClient = /* @__PURE__ */ onePerProcess(() => withoutSdkLogEntries(new SchedulerClient(RESOLVED_ONCE)));
export const cognitoClient = /* @__PURE__ */ onePerProcess(() => withoutSdkLogEntries(new CognitoIdentityProviderClient(RESOLVED_ONCE)));
/** Talks to the regional endpoint (or the local stand-in) rather than the host inside a queue URL. */
export const sqsClient = /* @__PURE__ */ onePerProcess(() => withoutSdkLogEntries(new SQSClient({ ...RESOLVED_ONCE, useQueueUrlAsEndpoint: false })));
