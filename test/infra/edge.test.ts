import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/leadflow-app';
import { manifest } from '../../manifest/manifest';
import { isHttpFunction } from '../../manifest/types';
import { appInRegion, templateApp } from './template-app';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const functionEnvironment = (resources: Resources, name: string) => {
  const pascal = name.replace(/(^|-)([a-z0-9])/g, (_, __, letter: string) => letter.toUpperCase());
  const found = ofType(resources, 'AWS::Lambda::Function').find(([id]) => id.startsWith(`${pascal}Function`));
  if (!found) throw new Error(`no function for ${name}`);
  return ((found[1].Properties.Environment as { Variables: Record<string, unknown> }).Variables);
};
const publicFunctions = manifest.functions.filter(isHttpFunction).filter((fn) => fn.trigger.audience === 'public');
const publicPrefixes = ['/v1/forms/', '/v1/events', '/v1/openapi.json', '/v1/preferences', '/v1/unsubscribe', '/v1/subscriptions/confirm', '/js/v1/leadflow.js'];

describe('edge option on (-c edgeRateLimit=300)', () => {
  let firewall: Template;
  let main: Template;
  let mainResources: Resources;
  let webAclRules: Record<string, unknown>[];

  beforeAll(() => {
    const built = appInRegion({ edgeRateLimit: '300' });
    if (!built.firewall) throw new Error('no firewall stack');
    firewall = Template.fromStack(built.firewall);
    main = Template.fromStack(built.stack);
    mainResources = main.toJSON().Resources as Resources;
    expect(built.firewall.region).toBe('us-east-1');
    const [, webAcl] = ofType(firewall.toJSON().Resources as Resources, 'AWS::WAFv2::WebACL')[0] ?? [];
    webAclRules = (webAcl?.Properties.Rules ?? []) as Record<string, unknown>[];
  }, 120_000);

  it('puts a WebACL for CloudFront in us-east-1 that answers 429 with Retry-After past 300 requests per IP in 5 minutes on the public paths', () => {
    firewall.resourceCountIs('AWS::WAFv2::WebACL', 1);
    firewall.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
    const rateRule = webAclRules.find((rule) => JSON.stringify(rule).includes('RateBasedStatement'));
    expect(rateRule).toMatchObject({
      Statement: { RateBasedStatement: { Limit: 300, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
      Action: { Block: { CustomResponse: { ResponseCode: 429, ResponseHeaders: [{ Name: 'retry-after', Value: expect.any(String) }] } } },
    });
    const scope = JSON.stringify((rateRule?.Statement as { RateBasedStatement: { ScopeDownStatement: unknown } }).RateBasedStatement.ScopeDownStatement);
    for (const prefix of publicPrefixes) expect(scope).toContain(`"SearchString":"${prefix}"`);
    expect(scope).not.toContain('/v1/admin');
  });

  it('blocks known bad inputs and counts the common rule set, and serves nothing but the public paths', () => {
    const managed = (name: string) => webAclRules.find((rule) => JSON.stringify(rule.Statement).includes(name));
    expect(managed('AWSManagedRulesKnownBadInputsRuleSet')).toMatchObject({ OverrideAction: { None: {} } });
    expect(managed('AWSManagedRulesCommonRuleSet')).toMatchObject({ OverrideAction: { Count: {} } });
    const onlyPublic = webAclRules.find((rule) => JSON.stringify(rule.Statement).startsWith('{"NotStatement"'));
    expect(onlyPublic).toMatchObject({ Action: { Block: expect.anything() }, Priority: 0 });
  });

  it('puts CloudFront in front of the HTTP API with that WebACL, nothing cached, every method passed on, access logs kept', () => {
    main.resourceCountIs('AWS::CloudFront::Distribution', 1);
    main.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        // The WebACL's ARN, read from us-east-1 through the cross-region reference.
        WebACLId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ExportsReader'), Match.stringLikeRegexp('WebAclArn')] },
        DefaultCacheBehavior: Match.objectLike({
          // The managed CachingDisabled policy.
          CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
          AllowedMethods: Match.arrayWith(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']),
          ViewerProtocolPolicy: 'https-only',
          ResponseHeadersPolicyId: Match.anyValue(),
        }),
        Origins: [Match.objectLike({ DomainName: { 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('^Api') }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } })],
        Logging: Match.objectLike({ Bucket: Match.anyValue() }),
      }),
    });
    main.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: Match.objectLike({ Override: true }),
          ContentTypeOptions: { Override: true },
        }),
      }),
    });
  });

  it('forwards every query string and the headers the functions read, but not Host or cookies', () => {
    const [, policy] = ofType(mainResources, 'AWS::CloudFront::OriginRequestPolicy')[0] ?? [];
    const config = policy?.Properties.OriginRequestPolicyConfig as {
      QueryStringsConfig: { QueryStringBehavior: string };
      CookiesConfig: { CookieBehavior: string };
      HeadersConfig: { HeaderBehavior: string; Headers: string[] };
    };
    expect(config.QueryStringsConfig.QueryStringBehavior).toBe('all');
    expect(config.CookiesConfig.CookieBehavior).toBe('none');
    expect(config.HeadersConfig.HeaderBehavior).toBe('whitelist');
    expect(config.HeadersConfig.Headers).toEqual(
      expect.arrayContaining(['content-type', 'idempotency-key', 'origin', 'accept-language', 'user-agent', 'access-control-request-method', 'cloudfront-viewer-address']),
    );
    expect(config.HeadersConfig.Headers.map((header) => header.toLowerCase())).not.toContain('host');
  });

  it('has CloudFront send the edge header with a secret generated at deploy, and gives the same secret to the public functions only', () => {
    const [, distribution] = ofType(mainResources, 'AWS::CloudFront::Distribution')[0] ?? [];
    const origin = (distribution?.Properties.DistributionConfig as { Origins: { OriginCustomHeaders: { HeaderName: string; HeaderValue: unknown }[] }[] }).Origins[0];
    const header = origin?.OriginCustomHeaders.find((candidate) => candidate.HeaderName === 'x-leadflow-edge');
    expect(JSON.stringify(header?.HeaderValue)).toMatch(/\{\{resolve:secretsmanager:.*EdgeOriginSecret/);
    for (const fn of publicFunctions) expect(functionEnvironment(mainResources, fn.name).EDGE_ORIGIN_SECRET).toEqual(header?.HeaderValue);
    const others = manifest.functions.filter((fn) => !publicFunctions.includes(fn as (typeof publicFunctions)[number]));
    for (const fn of others) expect(functionEnvironment(mainResources, fn.name)).not.toHaveProperty('EDGE_ORIGIN_SECRET');
  });

  it("points links in email at the distribution's domain", () => {
    const linking = manifest.functions.filter((fn) => fn.access.includes('links:public'));
    expect(linking.length).toBeGreaterThan(0);
    for (const fn of linking) {
      expect(functionEnvironment(mainResources, fn.name).PUBLIC_BASE_URL).toEqual({
        'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^EdgeDistribution/), 'DomainName'] }]],
      });
    }
  });

  it("holds at most CloudFormation's 500 resources in the main stack with the edge's, the alarms in their nested stack", () => {
    expect(Object.keys(mainResources).length).toBeLessThanOrEqual(500);
    expect(ofType(mainResources, 'AWS::CloudWatch::Alarm')).toEqual([]);
  });

  it('passes the cdk-nag AwsSolutions checks in both stacks', () => {
    expect(() => appInRegion({ edgeRateLimit: '300' }).app.synth()).not.toThrow();
  }, 120_000);
});

describe('edge option settings', () => {
  it("takes the manifest's per-client rate over WAF's 5-minute window with -c edge=true", () => {
    const { firewall } = appInRegion({ edge: 'true' });
    if (!firewall) throw new Error('no firewall stack');
    Template.fromStack(firewall).hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([Match.objectLike({ Statement: { RateBasedStatement: Match.objectLike({ Limit: manifest.http.perClient.ratePerSecond * 300 }) } })]),
    });
  }, 120_000);

  it('refuses a limit AWS WAF would not take, and the edge without a known region', () => {
    expect(() => appInRegion({ edgeRateLimit: '5' })).toThrow(/edgeRateLimit/);
    expect(() => appInRegion({ edgeRateLimit: 'many' })).toThrow(/edgeRateLimit/);
    expect(() => buildApp(templateApp({ edge: 'true' }), {})).toThrow(/region/);
  });

  it('builds no distribution, no WebACL and no edge secret without the option', () => {
    const { app, stack, firewall } = appInRegion({});
    expect(firewall).toBeUndefined();
    expect(app.node.children.filter((child) => !['Leadflow', 'LeadflowConsole'].includes(child.node.id) && 'templateFile' in child)).toEqual([]);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(JSON.stringify(template.toJSON())).not.toContain('EDGE_ORIGIN_SECRET');
  }, 120_000);
});
