import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, CfnOutput, DockerImage, Duration, RemovalPolicy, SecretValue, Stack, Token, Validations, type StackProps } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Alarm, ComparisonOperator, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { AccountRecovery, CfnUserPoolGroup, Mfa, OAuthScope, UserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { Function as LambdaFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { isHttpFunction, type Manifest } from '../manifest/types';
import { ROLES } from '../src/domain/roles';
import { constructIdOf } from './construct-ids';
import { PROJECT_ROOT } from './function-bundling';

/** The Cognito actions of the users admin (src/adapters/cognito-users.ts), granted on the console's pool alone. */
export const USER_ADMIN_ACTIONS = [
  'ListUsers',
  'ListUsersInGroup',
  'AdminListGroupsForUser',
  'AdminCreateUser',
  'AdminAddUserToGroup',
  'AdminRemoveUserFromGroup',
  'AdminDisableUser',
  'AdminEnableUser',
] as const;

/** The console's source (Vite + React); `cdk deploy` builds it into the bucket. */
export const CONSOLE_SOURCE_DIR = join(PROJECT_ROOT, 'web', 'console');

/** How long a console sign-in lasts before the app must refresh it, and how long a refresh token lasts. */
const TOKEN_HOURS = 1;
const REFRESH_HOURS = 12;

export interface LeadflowConsoleStackProps extends StackProps {
  readonly manifest: Manifest;
  /** The main stack's functions by manifest name: the console API integrates its admin functions. */
  readonly functions: ReadonlyMap<string, IFunction>;
  /** The secret the main stack's `users:manage` functions read the user pool's id from (LeadflowStack.userPoolSecretName). */
  readonly userPoolSecretName: string;
  readonly alarmAction: IAlarmAction;
  /**
   * The prefix of the Cognito sign-in domain (`<prefix>.auth.<region>.amazoncognito.com`), unique in
   * its region: `-c consoleDomainPrefix=...`; default `leadflow-<account id>`.
   */
  readonly domainPrefix?: string;
  /** The console's source folder; default web/console. */
  readonly sourceDir?: string;
}

/**
 * The console in AWS, in a stack of its own (the main stack must stay under CloudFormation's 500 resources):
 * - users in a Cognito user pool: no self sign-up (an admin invites people), sign-in with user name
 *   or email, optional TOTP MFA, password reset by email, a group per role (admin, marketer, sales);
 * - an app client for the single-page app: authorization code flow with PKCE, no secret;
 * - the console API: every admin route of the main stack's functions again, on an HTTP API of its own
 *   whose JWT authorizer takes that client's tokens (an API Gateway route has one authorizer, and the
 *   main API's admin routes keep IAM for the CLI); the functions check the role on every route;
 * - the app's static files in a private S3 bucket behind CloudFront (origin access control, security
 *   headers with a CSP, HSTS), deployed with its `config.json` by `cdk deploy`.
 */
export class LeadflowConsoleStack extends Stack {
  readonly url: string;
  readonly api: HttpApi;
  readonly userPool: UserPool;
  readonly client: UserPoolClient;

  constructor(scope: Construct, id: string, props: LeadflowConsoleStackProps) {
    super(scope, id, props);
    const domainPrefix = props.domainPrefix ?? `leadflow-${Aws.ACCOUNT_ID}`;
    const authDomain = `${domainPrefix}.auth.${this.region}.amazoncognito.com`;

    // Static files: private, read by CloudFront alone through origin access control.
    const logs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // CloudFront's standard logs are written with an ACL.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(logs).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: "This bucket holds CloudFront's access logs of the console; logging access to it would need yet another bucket.",
    });
    const site = new Bucket(this, 'Site', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // A build output that `cdk deploy` writes again: nothing to keep when the stack goes.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    Validations.of(site).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: "Only CloudFront reads this bucket (origin access control), and the distribution's access logs record every request for it.",
    });

    const securityHeaders = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Security headers of the leadflow console',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // The app's own files only; it calls the console API (execute-api, named here by pattern: the
          // API's CORS names this distribution, so the exact URL would be a cycle) and Cognito's token
          // endpoint. Inline styles are React's style attributes and the template previews'.
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: https:",
            "font-src 'self'",
            `connect-src 'self' https://*.execute-api.${this.region}.${this.urlSuffix} https://${authDomain}`,
            "frame-src 'self'",
            "frame-ancestors 'none'",
            `form-action 'self' https://${authDomain}`,
            "base-uri 'self'",
            "object-src 'none'",
          ].join('; '),
          override: true,
        },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, preload: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        // Sign-in comes back with a code in the URL: no page it links to should see it.
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });

    const distribution = new Distribution(this, 'Distribution', {
      comment: 'leadflow console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(site),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
        compress: true,
      },
      // The app routes in the browser: a deep link (/leads/42) is index.html, which shows the page.
      errorResponses: [403, 404].map((httpStatus) => ({ httpStatus, responseHttpStatus: 200, responsePagePath: '/index.html', ttl: Duration.seconds(0) })),
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions::AwsSolutions-CFR4',
      reason: "The distribution uses CloudFront's default certificate, whose viewer TLS policy cannot be set; with a custom domain set a certificate and TLSv1.2_2021.",
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions::AwsSolutions-CFR1',
      reason: 'Marketers and sales work from anywhere; geographic restriction is a business choice left to the operator.',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions::AwsSolutions-CFR2',
      reason: 'The console serves static files to signed-in staff, whose every API call needs a Cognito token; a WebACL is an operator option, as for the public routes (the edge option).',
    });
    this.url = `https://${distribution.distributionDomainName}`;

    // People: invited by an admin, one group per role.
    this.userPool = new UserPool(this, 'Users', {
      userPoolName: `${this.stackName}-users`,
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      userInvitation: {
        emailSubject: 'Your leadflow console account',
        emailBody: `You can sign in to the leadflow console at ${this.url} with the user name {username} and the temporary password {####}.`,
      },
      deletionProtection: true,
      // People's accounts outlive a stack rebuilt by mistake.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions::AwsSolutions-COG2',
      reason: 'MFA is available to every user (TOTP) and left to each organisation to require, as the console issue asks; require it with the user pool setting when policy demands.',
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions::AwsSolutions-COG8',
      reason: 'Threat protection needs the Plus feature plan, billed per active user; an operator choice. Staff are invited (no self sign-up) and every API call is authorised by role.',
    });
    ROLES.forEach((role, precedence) => {
      // Lower precedence wins when a token has to name one group: the role that may do the most.
      new CfnUserPoolGroup(this, `${constructIdOf(role)}Group`, { userPoolId: this.userPool.userPoolId, groupName: role, precedence, description: `leadflow console: the ${role} role` });
    });
    this.userPool.addDomain('SignInDomain', { cognitoDomain: { domainPrefix } });

    this.client = this.userPool.addClient('ConsoleClient', {
      userPoolClientName: 'leadflow-console',
      // A single-page app cannot keep a secret: authorization code with PKCE.
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [`${this.url}/`],
        logoutUrls: [`${this.url}/`],
      },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(TOKEN_HOURS),
      idTokenValidity: Duration.hours(TOKEN_HOURS),
      refreshTokenValidity: Duration.hours(REFRESH_HOURS),
    });

    this.api = this.consoleApi(props);

    const deployment = new BucketDeployment(this, 'DeployConsole', {
      sources: [consoleBuild(props.sourceDir ?? CONSOLE_SOURCE_DIR), Source.jsonData('config.json', this.consoleConfig(authDomain))],
      destinationBucket: site,
      // Browsers check each file again (a 304 when unchanged); CloudFront's copies are invalidated on deploy.
      cacheControl: [CacheControl.noCache()],
      distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
    });
    this.acknowledgeDeploymentFunction(deployment, site);

    new CfnOutput(this, 'ConsoleUrl', { value: this.url, description: 'The leadflow console' });
    new CfnOutput(this, 'ConsoleApiUrl', { value: this.api.apiEndpoint, description: 'The admin API for console users (Cognito tokens)' });
    this.grantUserManagement(props);
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId, description: 'Invite people here and add each to the admin, marketer or sales group' });
  }

  /** The function CDK provides to copy the build into the bucket (one per stack and memory size), as CDK writes it. */
  private acknowledgeDeploymentFunction(deployment: BucketDeployment, site: Bucket): void {
    const provider = this.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (!provider) throw new Error(`no deployment function found beside ${deployment.node.path}`);
    Validations.of(provider).acknowledge({ id: 'AwsSolutions::AwsSolutions-L1', reason: "CDK's BucketDeployment sets its copying function's runtime; it runs only during deploys." });
    const role = provider.node.findChild('ServiceRole');
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "The AWS-managed minimum for writing a function's logs.",
    });
    const policy = Validations.of(role.node.findChild('DefaultPolicy'));
    const siteBucket = this.getLogicalId(site.node.defaultChild as CfnBucket);
    const wildcards = ['Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*', 'Action::s3:DeleteObject*', 'Action::s3:Abort*', `Resource::<${siteBucket}.Arn>/*`];
    for (const wildcard of wildcards) {
      policy.acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[${wildcard}]`, reason: "CDK's grant to copy the build into the site bucket (its objects only) and remove files a new build no longer has." });
    }
    const account = Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account;
    const region = Token.isUnresolved(this.region) ? '<AWS::Region>' : this.region;
    policy.acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${account}-${region}/*]`,
      reason: "CDK's grant to read the build from the deployment's asset bucket.",
    });
    policy.acknowledge({ id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]', reason: 'CloudFront CreateInvalidation and GetInvalidation, which CDK grants without a resource ARN.' });
  }

  /**
   * The users admin (functions with `users:manage`, in the main stack) manages this pool: the pool's id
   * goes in a secret of the name the main stack gave them, and their roles get exactly the Cognito
   * actions they call, on this pool alone. Both are made here, on the roles imported by ARN, so the
   * main stack never names the console's.
   */
  private grantUserManagement(props: LeadflowConsoleStackProps): void {
    const specs = props.manifest.functions.filter((spec) => spec.access.includes('users:manage'));
    if (!specs.length) return;
    const poolSecret = new Secret(this, 'UserPoolSecret', {
      secretName: props.userPoolSecretName,
      description: 'The console user pool the users admin manages (not secret: a secret because the main stack can read it by a name agreed in advance)',
      secretStringValue: SecretValue.unsafePlainText(this.toJsonString({ userPoolId: this.userPool.userPoolId })),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(poolSecret).acknowledge({ id: 'AwsSolutions::AwsSolutions-SMG4', reason: "It holds the user pool's id, which is not secret and changes only with the pool: there is nothing to rotate." });
    for (const spec of specs) {
      const role = props.functions.get(spec.name)?.role;
      if (!role) throw new Error(`${spec.name}: the users admin needs the main stack's function and its role`);
      const imported = Role.fromRoleArn(this, `${constructIdOf(spec.name)}Role`, role.roleArn, { mutable: true });
      poolSecret.grantRead(imported);
      imported.addToPrincipalPolicy(
        new PolicyStatement({
          actions: USER_ADMIN_ACTIONS.map((action) => `cognito-idp:${action}`),
          resources: [this.userPool.userPoolArn],
        }),
      );
    }
  }

  /** What the app reads from config.json beside its index.html. */
  private consoleConfig(authDomain: string) {
    return { apiUrl: this.api.apiEndpoint, auth: { kind: 'cognito', domain: `https://${authDomain}`, clientId: this.client.userPoolClientId, redirectUri: `${this.url}/` } };
  }

  /** Every admin route of the manifest on an API of its own whose authorizer takes the console's Cognito tokens. */
  private consoleApi(props: LeadflowConsoleStackProps): HttpApi {
    const api = new HttpApi(this, 'ConsoleApi', {
      description: 'leadflow admin API for console users: Cognito tokens, roles checked by each function',
      createDefaultStage: false,
      defaultAuthorizer: new HttpUserPoolAuthorizer('ConsoleUsers', this.userPool, { userPoolClients: [this.client] }),
      corsPreflight: {
        allowOrigins: [this.url],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.DELETE],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
        maxAge: Duration.hours(1),
      },
    });
    const accessLogs = new LogGroup(this, 'ConsoleApiAccessLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    new HttpStage(this, 'ConsoleApiStage', {
      httpApi: api,
      autoDeploy: true,
      throttle: { rateLimit: props.manifest.http.throttleRatePerSecond, burstLimit: props.manifest.http.throttleBurst },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });
    new Alarm(this, 'ConsoleApi5xx', {
      alarmDescription: 'The console API answered 5xx at least 5 times in 5 minutes: look at the Errors alarms and logs of the functions behind the routes.',
      metric: api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(props.alarmAction);

    for (const spec of props.manifest.functions.filter(isHttpFunction).filter((candidate) => candidate.trigger.audience === 'admin')) {
      const deployed = props.functions.get(spec.name);
      if (!deployed) throw new Error(`${spec.name}: the console API needs the main stack's function`);
      // Imported by ARN, so its invoke permission is made here: made on the function (in the main
      // stack), it would name this API and each stack would depend on the other.
      const fn = LambdaFunction.fromFunctionAttributes(this, `${constructIdOf(spec.name)}Function`, { functionArn: deployed.functionArn, sameEnvironment: true });
      const integration = new HttpLambdaIntegration(`${constructIdOf(spec.name)}ConsoleIntegration`, fn, { scopePermissionToRoute: false });
      for (const route of spec.trigger.routes) api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
    }
    return api;
  }
}

/**
 * The console's production build, made by Vite with the project's own packages while `cdk deploy`
 * stages its assets (template tests skip it), as the functions are bundled without Docker.
 */
function consoleBuild(sourceDir: string) {
  if (!existsSync(sourceDir)) throw new Error(`The console's source is missing at ${sourceDir}`);
  return Source.asset(sourceDir, {
    exclude: ['node_modules', 'dist'],
    bundling: {
      // Required by the type, never pulled: the local build below either succeeds or fails the deploy.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
      local: {
        tryBundle(outputDir: string) {
          if (!existsSync(join(sourceDir, 'index.html'))) throw new Error(`No console to build: ${sourceDir} has no index.html`);
          execFileSync('npx', ['vite', 'build', sourceDir, '--outDir', outputDir, '--emptyOutDir'], { stdio: 'inherit', cwd: PROJECT_ROOT });
          return true;
        },
      },
    },
  });
}
