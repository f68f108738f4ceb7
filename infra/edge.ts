import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestCookieBehavior,
  OriginRequestHeaderBehavior,
  OriginRequestPolicy,
  OriginRequestQueryStringBehavior,
  OriginSslPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { EDGE_ORIGIN_HEADER } from '../manifest/environment';
import { isHttpFunction, type Manifest } from '../manifest/types';

/**
 * The edge option: CloudFront with AWS WAF in front of the public routes. HTTP APIs cannot take WAF
 * directly, and a WebACL for CloudFront must live in us-east-1, so it is two pieces: EdgeFirewallStack
 * (us-east-1) holds the WebACL, and PublicEdge (in the main stack, which references the WebACL
 * across regions) holds the distribution.
 */

/** AWS WAF counts a rate-based rule's requests over this trailing window. */
export const WAF_WINDOW_SECONDS = 300;
/** AWS WAF's bounds on a rate-based rule's limit. */
const WAF_MIN_LIMIT = 10;
const WAF_MAX_LIMIT = 2_000_000_000;
/** WebACLs for CloudFront are created in this region only. */
export const CLOUDFRONT_WAF_REGION = 'us-east-1';

export interface EdgeOptions {
  /** Requests one IP address may make to the public routes per 5 minutes before WAF answers 429. */
  readonly requestsPerWindowPerIp: number;
}

/**
 * The edge option from CDK context: `-c edgeRateLimit=<requests per 5 minutes per IP>`, or `-c edge=true`
 * for the manifest's per-client rate over WAF's window. Undefined (no edge) when neither is set.
 */
export function edgeOptionsFrom(context: { edge?: unknown; edgeRateLimit?: unknown }, manifest: Manifest): EdgeOptions | undefined {
  if (context.edgeRateLimit !== undefined) {
    const limit = Number(context.edgeRateLimit);
    if (!Number.isInteger(limit) || limit < WAF_MIN_LIMIT || limit > WAF_MAX_LIMIT) {
      throw new Error(`-c edgeRateLimit must be a whole number of requests per 5 minutes per IP from ${WAF_MIN_LIMIT} to ${WAF_MAX_LIMIT}, not ${String(context.edgeRateLimit)}`);
    }
    return { requestsPerWindowPerIp: limit };
  }
  if (context.edge === undefined || String(context.edge) === 'false') return undefined;
  if (String(context.edge) !== 'true') throw new Error(`-c edge must be true or false, not ${String(context.edge)}`);
  return { requestsPerWindowPerIp: Math.max(WAF_MIN_LIMIT, Math.round(manifest.http.perClient.ratePerSecond * WAF_WINDOW_SECONDS)) };
}

/** Where each public route starts: its path up to the first parameter. */
export const publicPathPrefixes = (manifest: Manifest) => [
  ...new Set(
    manifest.functions
      .filter(isHttpFunction)
      .filter((fn) => fn.trigger.audience === 'public')
      .flatMap((fn) => fn.trigger.routes.map((route) => route.path.split('{')[0] ?? route.path)),
  ),
];

const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

const managedRuleGroup = (name: string): CfnWebACL.StatementProperty => ({ managedRuleGroupStatement: { vendorName: 'AWS', name } });

export interface EdgeFirewallStackProps extends StackProps, EdgeOptions {
  readonly manifest: Manifest;
}

/** The WebACL CloudFront uses, in us-east-1 as WAF requires for the CLOUDFRONT scope. */
export class EdgeFirewallStack extends Stack {
  readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: EdgeFirewallStackProps) {
    super(scope, id, { ...props, crossRegionReferences: true });
    if (this.region !== CLOUDFRONT_WAF_REGION) throw new Error(`a WebACL for CloudFront must be in ${CLOUDFRONT_WAF_REGION}, not ${this.region}`);

    // URL-decoded before matching, so an escaped path cannot slip past either rule below.
    const prefixes = publicPathPrefixes(props.manifest).map(
      (prefix): CfnWebACL.StatementProperty => ({
        byteMatchStatement: { fieldToMatch: { uriPath: {} }, positionalConstraint: 'STARTS_WITH', searchString: prefix, textTransformations: [{ priority: 0, type: 'URL_DECODE' }] },
      }),
    );
    const publicPaths: CfnWebACL.StatementProperty = prefixes.length === 1 && prefixes[0] ? prefixes[0] : { orStatement: { statements: prefixes } };

    const webAcl = new CfnWebACL(this, 'WebAcl', {
      description: 'leadflow public routes: a rate limit per IP and AWS managed rules',
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('leadflow-edge'),
      customResponseBodies: {
        'too-many-requests': { contentType: 'APPLICATION_JSON', content: JSON.stringify({ message: 'Too Many Requests' }) },
        'not-here': { contentType: 'APPLICATION_JSON', content: JSON.stringify({ message: 'Admin routes are served on the API URL, not here' }) },
      },
      rules: [
        {
          // Admin routes need IAM-signed requests, which CloudFront does not pass on: the edge serves public routes only.
          name: 'public-routes-only',
          priority: 0,
          action: { block: { customResponse: { responseCode: 404, customResponseBodyKey: 'not-here' } } },
          statement: { notStatement: { statement: publicPaths } },
          visibilityConfig: visibility('leadflow-edge-not-public'),
        },
        {
          name: 'public-routes-per-ip',
          priority: 1,
          action: {
            block: {
              customResponse: { responseCode: 429, customResponseBodyKey: 'too-many-requests', responseHeaders: [{ name: 'retry-after', value: '60' }] },
            },
          },
          statement: {
            rateBasedStatement: { limit: props.requestsPerWindowPerIp, aggregateKeyType: 'IP', evaluationWindowSec: WAF_WINDOW_SECONDS, scopeDownStatement: publicPaths },
          },
          visibilityConfig: visibility('leadflow-edge-rate-per-ip'),
        },
        {
          // Exploit signatures (Log4Shell, Java deserialisation, localhost Host headers) never occur in a
          // real form post or event batch: blocked.
          name: 'aws-known-bad-inputs',
          priority: 2,
          overrideAction: { none: {} },
          statement: managedRuleGroup('AWSManagedRulesKnownBadInputsRuleSet'),
          visibilityConfig: visibility('leadflow-edge-known-bad-inputs'),
        },
        {
          // Counted, not blocked: its body rules (8 KB size limit, cross-site-scripting patterns, missing
          // User-Agent) match legitimate leads (a 16 KB form, a message quoting HTML, a server-side
          // post), and a lost lead costs more than one the functions' own validation refuses. Its
          // metrics show what blocking would cost before anyone turns it on.
          name: 'aws-common-rule-set',
          priority: 3,
          overrideAction: { count: {} },
          statement: managedRuleGroup('AWSManagedRulesCommonRuleSet'),
          visibilityConfig: visibility('leadflow-edge-common-rule-set'),
        },
      ],
    });
    this.webAclArn = webAcl.attrArn;
  }
}

export interface PublicEdgeProps {
  readonly api: HttpApi;
  /** ARN of the WebACL (CLOUDFRONT scope) from EdgeFirewallStack. */
  readonly webAclArn: string;
}

/**
 * CloudFront in front of the HTTP API, with the WebACL attached: nothing cached, every method passed
 * on, the headers the functions read forwarded (never Host: execute-api routes on its own), security
 * headers added, access logs kept 30 days. CloudFront adds the edge header with a value Secrets Manager
 * generates at deploy; the public functions get the same value and refuse requests without it.
 */
export class PublicEdge extends Construct {
  /** The distribution's https URL: links in email start here unless a custom domain is set. */
  readonly url: string;
  /** Resolved by CloudFormation at deploy, never at synth: it does not appear in the template. */
  readonly originSecret: string;

  constructor(scope: Construct, id: string, props: PublicEdgeProps) {
    super(scope, id);
    const stack = Stack.of(this);

    const secret = new Secret(this, 'OriginSecret', {
      description: `Proves a request to the leadflow API came through CloudFront (the ${EDGE_ORIGIN_HEADER} header)`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'CloudFormation writes the value into the distribution and the public functions together at deploy; to change it, update the secret and deploy again, which single-secret automatic rotation cannot do in step.',
    });
    this.originSecret = secret.secretValue.unsafeUnwrap();

    const logs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // CloudFront's standard logs are written with an ACL.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      // Viewer addresses are personal data: kept as long as the API's own access logs.
      lifecycleRules: [{ expiration: Duration.days(30) }],
    });
    Validations.of(logs).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: "This bucket holds CloudFront's access logs; logging access to it would need yet another bucket.",
    });

    const originRequestPolicy = new OriginRequestPolicy(this, 'ForwardToApi', {
      comment: 'What the leadflow functions read; not Host, which execute-api needs for itself',
      queryStringBehavior: OriginRequestQueryStringBehavior.all(),
      cookieBehavior: OriginRequestCookieBehavior.none(),
      headerBehavior: OriginRequestHeaderBehavior.allowList(
        'content-type',
        'idempotency-key',
        'origin',
        'accept-language',
        'user-agent',
        // CORS preflights are answered by API Gateway from these.
        'access-control-request-method',
        'access-control-request-headers',
        // The viewer's address, which the public functions record instead of CloudFront's.
        'cloudfront-viewer-address',
      ),
    });

    const securityHeaders = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Security headers on every leadflow response',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: false },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: false },
      },
    });

    const distribution = new Distribution(this, 'Distribution', {
      comment: 'leadflow public routes behind AWS WAF',
      defaultBehavior: {
        origin: new HttpOrigin(`${props.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [OriginSslPolicy.TLS_V1_2],
          customHeaders: { [EDGE_ORIGIN_HEADER]: this.originSecret },
        }),
        allowedMethods: AllowedMethods.ALLOW_ALL,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy,
        responseHeadersPolicy: securityHeaders,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      webAclId: props.webAclArn,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions::AwsSolutions-CFR4',
      reason: "The distribution uses CloudFront's default certificate, whose viewer TLS policy cannot be set; with a custom domain (publicBaseUrl) set a certificate and TLSv1.2_2021.",
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions::AwsSolutions-CFR1',
      reason: 'Leads come from anywhere a customer sells; geographic restriction is a business choice left to the operator.',
    });
    this.url = `https://${distribution.distributionDomainName}`;
    new CfnOutput(stack, 'EdgeUrl', { value: this.url, description: 'Public routes through CloudFront and AWS WAF' });
  }
}
