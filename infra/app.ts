import { buildApp } from './leadflow-app';

// Run by the CDK CLI (`npx cdk synth | deploy`), which sets CDK_OUTDIR so the app synthesizes on exit.
buildApp();
