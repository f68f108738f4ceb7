import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { resolve } from 'node:path';
import type { FunctionSpec } from '../manifest/types';
import { FUNCTION_BUNDLING, PROJECT_ROOT } from './function-bundling';

export interface LeadflowFunctionProps {
  readonly spec: FunctionSpec;
  readonly environment: Record<string, string>;
  readonly alarmAction: IAlarmAction;
}

/**
 * The defaults every leadflow function shares: Node.js 22 on arm64, bundled by esbuild as ESM (no
 * Docker; options in function-bundling.ts), its own log group with retention, X-Ray tracing, and
 * alarms on errors and throttles.
 */
export class LeadflowFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: LeadflowFunctionProps) {
    super(scope, id);
    const { spec } = props;
    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.fn = new NodejsFunction(this, 'Function', {
      description: spec.description,
      entry: resolve(PROJECT_ROOT, spec.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: resolve(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      ...(spec.reservedConcurrency ? { reservedConcurrentExecutions: spec.reservedConcurrency } : {}),
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: { ...props.environment, NODE_OPTIONS: FUNCTION_BUNDLING.nodeOptions },
      bundling: {
        format: OutputFormat.ESM,
        minify: FUNCTION_BUNDLING.minify,
        sourceMap: FUNCTION_BUNDLING.sourceMap,
        target: FUNCTION_BUNDLING.target,
        mainFields: [...FUNCTION_BUNDLING.mainFields],
        banner: FUNCTION_BUNDLING.banner,
        bundleAwsSDK: true,
        externalModules: [...FUNCTION_BUNDLING.unreachableModules],
        // Run from PROJECT_ROOT, which the replacements' paths are relative to.
        esbuildArgs: { '--alias': Object.entries(FUNCTION_BUNDLING.sdkReplacements).map(([module, replacement]) => `${module}=${replacement}`) },
      },
    });
    // One alarm a function, on failed and throttled invocations together: CloudFormation stacks hold at
    // most 500 resources, and a second alarm for each of dozens of functions spends 1 in 13 of them.
    new Alarm(this, 'ErrorsOrThrottles', {
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
    }).addAlarmAction(props.alarmAction);

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
