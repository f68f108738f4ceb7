import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { manifest } from '../shared/manifest/manifest';
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

export function buildApp(app = new App()) {
  const stack = new LeadflowStack(app, 'Leadflow', { manifest, settings: settingsFrom(app), description: 'leadflow: lead capture, scoring and MQL handoff' });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
