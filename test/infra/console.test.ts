import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { USER_ADMIN_ACTIONS } from '../../infra/console';
import { manifest } from '../../manifest/manifest';
import { isHttpFunction, routeKey } from '../../manifest/types';
import { defaultTemplateApp } from './template-app';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
let template: Template;
let resources: Resources;
let mainResources: Resources;
let built: ReturnType<typeof defaultTemplateApp>;

beforeAll(() => {
  // Template assertions need no function code or console build: bundling is skipped.
  built = defaultTemplateApp();
  template = Template.fromStack(built.consoleStack);
  resources = template.toJSON().Resources as Resources;
  mainResources = Template.fromStack(built.stack).toJSON().Resources as Resources;
}, 120_000);

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const idOf = (type: string) => ofType(type)[0]?.[0] ?? '';
const adminRoutes = manifest.functions.filter(isHttpFunction).filter((fn) => fn.trigger.audience === 'admin');

describe('LeadflowConsole stack', () => {
  it('is a stack of its own that needs the main one, never the other way round, leaving the main stack room under 500 resources', () => {
    expect(built.consoleStack.dependencies).toContain(built.stack);
    expect(built.stack.dependencies).not.toContain(built.consoleStack);
    expect(Object.keys(mainResources).length).toBeLessThan(500);
    expect(Object.keys(resources).length).toBeLessThan(200);
  });

  it('keeps people in a user pool: invited only, user name or email, optional TOTP MFA, password reset by email, kept when the stack goes', () => {
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
        AliasAttributes: ['email'],
        MfaConfiguration: 'OPTIONAL',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
        Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true }) },
        DeletionProtection: 'ACTIVE',
      }),
    });
  });

  it("lets the users admin call exactly its Cognito actions on this pool alone, and name the pool from a secret of the main stack's choosing", () => {
    const pool = idOf('AWS::Cognito::UserPool');
    const secret = idOf('AWS::SecretsManager::Secret');
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: built.stack.userPoolSecretName, SecretString: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([{ Ref: pool }])]) }) });
    const statements = ofType('AWS::IAM::Policy').flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    const cognito = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('cognito-idp:')));
    expect(cognito).toHaveLength(1);
    expect([cognito[0]?.Action].flat().sort()).toEqual(USER_ADMIN_ACTIONS.map((action) => `cognito-idp:${action}`).sort());
    expect(cognito[0]?.Resource).toEqual({ 'Fn::GetAtt': [pool, 'Arn'] });
    expect(statements.filter((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue')).map((statement) => statement.Resource)).toEqual([{ Ref: secret }]);
    // The main stack names the secret but never the pool: its function reads the id at run time.
    const managers = manifest.functions.filter((fn) => fn.access.includes('users:manage')).map((fn) => fn.name);
    expect(managers).toEqual(['manage-users']);
    const variables = Object.values(mainResources)
      .filter((resource) => resource.Type === 'AWS::Lambda::Function')
      // The deploy events' custom resource brings a provider function of CDK's own, with no environment.
      .map((resource) => (resource.Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables ?? {})
      .filter((env) => env.USER_POOL_SECRET !== undefined);
    expect(variables).toEqual([expect.objectContaining({ USER_POOL_SECRET: built.stack.userPoolSecretName, LEADFLOW_FUNCTION: 'manage-users' })]);
  });

  it('has a group per role, the one that may do the most first', () => {
    const groups = ofType('AWS::Cognito::UserPoolGroup').map(([, group]) => [group.Properties.GroupName, group.Properties.Precedence]);
    expect(groups).toEqual([
      ['admin', 0],
      ['marketer', 1],
      ['sales', 2],
    ]);
  });

  it('gives the single-page app a client without a secret, on the code flow only, returning to the console', () => {
    const distribution = idOf('AWS::CloudFront::Distribution');
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: Match.arrayWith(['openid']),
      CallbackURLs: [{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }, '/']] }],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
    });
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
  });

  it("puts every admin route, and no public one, on the console API behind a JWT authorizer taking that client's tokens", () => {
    const authorizer = idOf('AWS::ApiGatewayV2::Authorizer');
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: [{ Ref: idOf('AWS::Cognito::UserPoolClient') }], Issuer: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('cognito-idp')])]) }) },
    });
    const routes = ofType('AWS::ApiGatewayV2::Route');
    expect(routes.map(([, route]) => route.Properties.RouteKey).sort()).toEqual(adminRoutes.flatMap((fn) => fn.trigger.routes.map(routeKey)).sort());
    for (const [, route] of routes) expect(route.Properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizer } });
  });

  it("integrates each route with the main stack's own function, invoked through this API only", () => {
    for (const fn of adminRoutes) {
      const pascal = fn.name.replace(/(^|-)([a-z0-9])/g, (_, __, letter: string) => letter.toUpperCase());
      // One integration per function, made under the first route that uses it.
      const integrations = ofType('AWS::ApiGatewayV2::Integration').filter(([id]) => id.includes(`${pascal}ConsoleIntegration`));
      expect(integrations).toHaveLength(1);
      expect(JSON.stringify(integrations[0]?.[1].Properties.IntegrationUri)).toContain('Fn::ImportValue');
    }
    for (const [, permission] of ofType('AWS::Lambda::Permission').filter(([, candidate]) => candidate.Properties.Principal === 'apigateway.amazonaws.com')) {
      expect(JSON.stringify(permission.Properties.SourceArn)).toContain(idOf('AWS::ApiGatewayV2::Api'));
    }
  });

  it('answers CORS for the console only, and throttles and logs the console API as the main one', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: [{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [idOf('AWS::CloudFront::Distribution'), 'DomainName'] }]] }], AllowHeaders: Match.arrayWith(['authorization']) }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: manifest.http.throttleRatePerSecond, ThrottlingBurstLimit: manifest.http.throttleBurst },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('keeps the files in a private bucket that only this distribution reads, through origin access control', () => {
    const site = ofType('AWS::S3::Bucket').find(([id]) => id.startsWith('Site'))?.[0] ?? '';
    expect(resources[site]?.Properties).toMatchObject({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true } });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }) });
    const policy = ofType('AWS::S3::BucketPolicy').find(([, candidate]) => JSON.stringify(candidate.Properties.Bucket).includes(site))?.[1];
    const statements = (policy?.Properties.PolicyDocument as { Statement: { Effect: string; Action: string | string[]; Principal?: unknown; Condition?: unknown }[] }).Statement;
    const reads = statements.filter((statement) => statement.Effect === 'Allow' && [statement.Action].flat().some((action) => action.startsWith('s3:GetObject')));
    expect(reads).toEqual([
      expect.objectContaining({ Principal: { Service: 'cloudfront.amazonaws.com' }, Condition: { StringEquals: { 'AWS:SourceArn': { 'Fn::Join': ['', expect.arrayContaining([{ Ref: idOf('AWS::CloudFront::Distribution') }])] } } } }),
    ]);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        Origins: [Match.objectLike({ OriginAccessControlId: { 'Fn::GetAtt': [idOf('AWS::CloudFront::OriginAccessControl'), 'Id'] } })],
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        CustomErrorResponses: Match.arrayWith([Match.objectLike({ ErrorCode: 404, ResponseCode: 200, ResponsePagePath: '/index.html' })]),
      }),
    });
  });

  it('sends security headers: a CSP allowing only its own scripts and its API and sign-in, HSTS for two years, no framing, no referrer', () => {
    const policy = ofType('AWS::CloudFront::ResponseHeadersPolicy')[0]?.[1].Properties.ResponseHeadersPolicyConfig as {
      SecurityHeadersConfig: { ContentSecurityPolicy: { ContentSecurityPolicy: unknown }; StrictTransportSecurity: Record<string, unknown>; FrameOptions: unknown; ReferrerPolicy: unknown };
    };
    const csp = JSON.stringify(policy.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
    for (const directive of ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", 'connect-src', '.execute-api.', '.amazoncognito.com']) expect(csp).toContain(directive);
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(policy.SecurityHeadersConfig.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 730 * 86_400, IncludeSubdomains: true, Override: true });
    expect(policy.SecurityHeadersConfig.FrameOptions).toMatchObject({ FrameOption: 'DENY' });
    expect(policy.SecurityHeadersConfig.ReferrerPolicy).toMatchObject({ ReferrerPolicy: 'no-referrer' });
  });

  it('deploys the build and a config.json naming the console API and the Cognito client into the bucket, invalidating CloudFront', () => {
    const deployment = ofType('Custom::CDKBucketDeployment')[0]?.[1].Properties ?? {};
    expect(deployment).toMatchObject({ DestinationBucketName: { Ref: expect.stringMatching(/^Site/) }, DistributionPaths: ['/*'], Prune: true });
    expect(deployment.SourceObjectKeys).toHaveLength(2);
    const markers = JSON.stringify(deployment.SourceMarkers);
    expect(markers).toContain(idOf('AWS::ApiGatewayV2::Api'));
    expect(markers).toContain(idOf('AWS::Cognito::UserPoolClient'));
  });
});
