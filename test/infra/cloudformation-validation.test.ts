import { CfnResource, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/leadflow-app';
import { appInRegion, CDK_JSON_CONTEXT, templateApp } from './template-app';

/**
 * aws-cdk-lib's own CloudFormation validation (the resources' schemas and its default rules, run at
 * every synth), which cdk.json makes fail `cdk synth` and `deploy` instead of printing warnings. The other template tests
 * build their apps without it: its engine takes about 10 s of CPU to start in each process that
 * synthesizes, so the run starts it once, here.
 */
describe("CloudFormation's own validation at synth", () => {
  it('is strict for every synth, as cdk.json sets it', () => {
    expect(CDK_JSON_CONTEXT['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
  });

  it('fails synthesis on a template CloudFormation would refuse, naming the property', () => {
    const app = templateApp({}, { cloudFormationValidation: true });
    new CfnResource(new Stack(app, 'Refused'), 'Queue', { type: 'AWS::SQS::Queue', properties: { VisibilityTimeout: 'soon' } });
    expect(() => app.synth()).toThrow(/VisibilityTimeout: 'soon' is not of type 'integer' \(CloudFormation Validate\)/);
  });

  it('finds nothing in the templates of Leadflow, its nested stacks and LeadflowConsole', () => {
    expect(() => buildApp(templateApp({}, { cloudFormationValidation: true })).app.synth()).not.toThrow();
  }, 120_000);

  it('finds nothing in those of the edge option, LeadflowEdgeFirewall and the main stack with its distribution', () => {
    expect(() => appInRegion({ edgeRateLimit: '300' }, { cloudFormationValidation: true }).app.synth()).not.toThrow();
  }, 120_000);
});
