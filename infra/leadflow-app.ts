import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { manifest } from '../manifest/manifest';
import { CLOUDFRONT_WAF_REGION, EdgeFirewallStack, edgeOptionsFrom } from './edge';
import { LeadflowConsoleStack } from './console';
import { LeadflowStack } from './stack';

/** Deployment settings from CDK context (`-c name=value`), with placeholders that let synth run offline. */
function settingsFrom(app: App) {
  const context = (name: string, fallback: string) => String(app.node.tryGetContext(name) ?? fallback);
  return {
    senderAddress: context('senderAddress', 'leadflow@example.com'),
    salesInbox: context('salesInbox', 'sales@example.com'),
    allowedOrigins: context('allowedOrigins', 'https://www.example.com').split(',').map((origin) => origin.trim()).filter(Boolean),
    sesMaxSendRate: positiveNumber(context('sesMaxSendRate', '14'), 'sesMaxSendRate'),
    ...(app.node.tryGetContext('publicBaseUrl') ? { publicBaseUrl: String(app.node.tryGetContext('publicBaseUrl')) } : {}),
  };
}

function positiveNumber(value: string, name: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`-c ${name} must be a whole number of emails per second, not ${value}`);
  return number;
}

/** Where the CDK CLI deploys (the profile's account and region); the edge option needs the region known at synth. */
export interface DeployTarget {
  readonly account?: string;
  readonly region?: string;
}

/**
 * The app: the Leadflow stack, the LeadflowConsole stack (the console's users, API, files and
 * distribution, in a stack of their own because the main one must stay under CloudFormation's limit) and, with the edge option (`-c edge=true` or `-c edgeRateLimit=N`), the
 * LeadflowEdgeFirewall stack in us-east-1 whose WebACL the main stack's CloudFront distribution uses.
 */
export function buildApp(app = new App(), target: DeployTarget = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }) {
  const edge = edgeOptionsFrom({ edge: app.node.tryGetContext('edge'), edgeRateLimit: app.node.tryGetContext('edgeRateLimit') }, manifest);
  // A reference from one region to another needs both regions known now, not at deploy.
  if (edge && !target.region) throw new Error('The edge option needs the target region at synth: set AWS_REGION or use a profile with a region');
  const firewall = edge
    ? new EdgeFirewallStack(app, 'LeadflowEdgeFirewall', {
        ...edge,
        manifest,
        env: { account: target.account, region: CLOUDFRONT_WAF_REGION },
        description: 'leadflow edge option: the AWS WAF WebACL in front of the public routes',
      })
    : undefined;
  const stack = new LeadflowStack(app, 'Leadflow', {
    manifest,
    settings: settingsFrom(app),
    description: 'leadflow: lead capture, scoring and MQL handoff',
    ...(firewall ? { env: { account: target.account, region: target.region }, crossRegionReferences: true, edge: { webAclArn: firewall.webAclArn } } : {}),
  });
  const consoleStack = new LeadflowConsoleStack(app, 'LeadflowConsole', {
    manifest,
    functions: stack.functions,
    userPoolSecretName: stack.userPoolSecretName,
    alarmAction: stack.alarmAction,
    ...(app.node.tryGetContext('consoleDomainPrefix') ? { domainPrefix: String(app.node.tryGetContext('consoleDomainPrefix')) } : {}),
    description: 'leadflow console: users (Cognito), the console API, the web app on S3 and CloudFront',
    ...(firewall ? { env: { account: target.account, region: target.region } } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, firewall, consoleStack };
}
