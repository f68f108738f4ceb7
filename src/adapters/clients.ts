import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { tableGrantCheck, tableGrantCheckOptions } from './table-grant-check';

/**
 * SDK clients, created once per cold start and reused by every invocation. Endpoints come from the
 * standard AWS_ENDPOINT_URL_* variables, which is how the local runtime points them at its stand-ins.
 */
export const documentClient = () => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  // Local mode has no IAM: this refuses what the function's manifest grants do not cover (a no-op in Lambda).
  client.middlewareStack.add(tableGrantCheck<ServiceInputTypes, ServiceOutputTypes>(), tableGrantCheckOptions);
  return client;
};
export const eventBridgeClient = () => new EventBridgeClient({});
export const sesClient = () => new SESv2Client({});
export const secretsManagerClient = () => new SecretsManagerClient({});
export const schedulerClient = () => new SchedulerClient({});
export const cognitoClient = () => new CognitoIdentityProviderClient({});
/** Talks to the regional endpoint (or the local stand-in) rather than the host inside a queue URL. */
export const sqsClient = () => new SQSClient({ useQueueUrlAsEndpoint: false });
