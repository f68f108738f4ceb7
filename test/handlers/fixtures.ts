import type { APIGatewayProxyEventV2, Context, SQSEvent } from 'aws-lambda';

/** Configuration the handlers read at import; set before any handler module loads. */
export function setHandlerEnvironment() {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    TABLE_NAME: 'leadflow-test',
    EVENT_BUS_NAME: 'leadflow-test',
    MAX_BODY_BYTES: '16384',
    // What the manifest gives send-journey-email, send-surveys and watch-customers, which read it; test/infra/stack.test.ts ties each function's to its queue.
    MAX_RECEIVE_COUNT: '5',
    SENDER_ADDRESS: 'leadflow@example.com',
    SALES_INBOX: 'sales@example.com',
    SES_CONFIGURATION_SET: 'leadflow',
    SES_MAX_SEND_RATE: '14',
    SCHEDULE_GROUP_NAME: 'leadflow-schedules',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/leadflow-scheduler',
    EVENT_BUS_ARN: 'arn:aws:events:us-east-1:123456789012:event-bus/leadflow-test',
    SCHEDULE_DLQ_ARN: 'arn:aws:sqs:us-east-1:123456789012:leadflow-schedule-dlq',
    SIGNING_KEYS_SECRET: 'leadflow/signing-keys',
    FORM_CAPTCHA_SECRET: 'leadflow/form-captcha',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // test/handlers/pipeline-metrics.test.ts turns them on to read them.
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
}

export const context = {
  functionName: 'test',
  awsRequestId: 'request-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

export function httpEvent(options: {
  method?: string;
  path: string;
  /** The route template when it differs from `path`, for API Gateway's `routeKey`. */
  route?: string;
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  /**
   * What API Gateway's authoriser says about the caller: by default, on admin paths, an IAM-signed
   * request (the CLI), as the IAM authorizer of those routes passes it on.
   */
  authorizer?: Record<string, unknown>;
}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'POST';
  const authorizer = options.authorizer ?? (options.path.startsWith('/v1/admin/') ? IAM_AUTHORIZER : undefined);
  return {
    version: '2.0',
    routeKey: `${method} ${options.route ?? options.path}`,
    rawPath: options.path,
    rawQueryString: '',
    headers: options.headers ?? {},
    pathParameters: options.pathParameters,
    body: options.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: options.path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey: `${method} ${options.route ?? options.path}`,
      stage: '$default',
      time: '22/Nov/2026:10:00:00 +0000',
      timeEpoch: 0,
      ...(authorizer ? { authorizer } : {}),
    },
  } as APIGatewayProxyEventV2;
}

/** The context API Gateway's IAM authorizer adds to a SigV4-signed request. */
/** The Accept header a browser sends when it navigates (a form post, a page): HTML preferred. */
export const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

export const IAM_AUTHORIZER = {
  iam: { accessKey: 'AKIAEXAMPLE', accountId: '123456789012', callerId: 'AIDAEXAMPLE', userArn: 'arn:aws:iam::123456789012:user/ops', userId: 'AIDAEXAMPLE' },
};

/** The context API Gateway's JWT authorizer adds for a console user in `groups` (a Cognito ID token's claims). */
export const consoleUser = (user: string, groups: readonly string[], name = user) => ({
  jwt: { claims: { sub: `sub-${user}`, 'cognito:username': user, name, 'cognito:groups': `[${groups.join(' ')}]`, token_use: 'id' }, scopes: null },
});

export function sqsEvent(bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `message-${index}`,
      receiptHandle: `receipt-${index}`,
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:queue',
      awsRegion: 'us-east-1',
    })),
  };
}

export const busEnvelope = (detailType: string, detail: unknown) =>
  JSON.stringify({ version: '0', id: 'bus-1', 'detail-type': detailType, source: 'leadflow', account: '1', time: '', region: 'us-east-1', resources: [], detail });
