import { AssetHashType, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { execFileSync } from 'node:child_process';
import type { FunctionSpec } from '../manifest/types';
import type { LeadflowAlarms } from './alarms';
import { PROJECT_ROOT } from './function-bundling';

export interface LeadflowFunctionProps {
  readonly spec: FunctionSpec;
  readonly environment: Record<string, string>;
  readonly alarms: LeadflowAlarms;
}

/**
 * The defaults every leadflow function shares: Node.js 22 on arm64, bundled by esbuild as ESM and
 * minified again by swc (no Docker; options in function-bundling.ts), its own log group with retention, X-Ray tracing, and
 * an alarm on errors and throttles (in the alarms' nested stack, as `<id>ErrorsOrThrottles`).
 */
export class LeadflowFunction extends Construct {
  readonly fn: LambdaFunction;

  constructor(scope: Construct, id: string, props: LeadflowFunctionProps) {
    super(scope, id);
    const { spec } = props;
    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.fn = new LambdaFunction(this, 'Function', {
      description: spec.description,
      code: functionBundle(spec.entry),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      ...(spec.reservedConcurrency ? { reservedConcurrentExecutions: spec.reservedConcurrency } : {}),
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: props.environment,
    });
    // One alarm a function, on failed and throttled invocations together: CloudFormation stacks hold at
    // most 500 resources, and a second alarm for each of dozens of functions spends 1 in 13 of them.
    props.alarms.add(`${id}ErrorsOrThrottles`, {
      alarmDescription: `${spec.name} failed or was throttled. Failed: look at its logs. Throttled: ${spec.reservedConcurrency ? `its reserved concurrency (${spec.reservedConcurrency}) is used up, by a flood of requests or slow calls` : "the account's concurrency is used up"}; look at its Invocations and Duration, and at the API's or its queue's traffic.`,
      metric: new MathExpression({
        expression: 'errors + throttles',
        label: `${spec.name} errors and throttles`,
        usingMetrics: {
          errors: this.fn.metricErrors({ statistic: 'Sum' }),
          throttles: this.fn.metricThrottles({ statistic: 'Sum' }),
        },
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'Functions are pinned to Node.js 22, the runtime the code is tested for (Node 20 locally, 22 in Lambda); moving to a newer runtime is a tested change, not an automatic one.',
    });
    const role = this.fn.node.findChild('ServiceRole');
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "The AWS-managed minimum for writing a function's logs.",
    });
    // Tracing put the X-Ray statement in the role's default policy; the wildcard is acknowledged there only.
    Validations.of(role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords have no resource ARN to scope to.',
    });
  }
}

/**
 * The function's code as infra/bundle-function.ts builds it, with the options, esbuild plugins and
 * second minifier pass `npm run bench` measures (NodejsFunction runs esbuild's command line, which takes no plugins). The
 * asset is hashed by its output, and a synth that skips bundling (`aws:cdk:bundling-stacks`) does not
 * run it, as with NodejsFunction.
 */
function functionBundle(entry: string): Code {
  return Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: bundling is local, and a failed local bundle fails the synth instead of falling back to Docker.
      image: Runtime.NODEJS_22_X.bundlingImage,
      local: {
        tryBundle(outputDir) {
          execFileSync(process.execPath, ['--import', 'tsx', 'infra/bundle-function.ts', entry, outputDir], { cwd: PROJECT_ROOT, stdio: 'inherit' });
          return true;
        },
      },
    },
  });
}
