import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Command } from 'commander';
import { LayoutMigration } from '../../src/adapters/layout-migration';
import { isLocalApi, regionOf } from '../api-auth';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';

/** The table `npm start` creates (local/stack.ts). */
const LOCAL_TABLE = 'leadflow';
const DEFAULT_LOCAL_DYNAMODB_PORT = 8000;

/** The table of the local stack or of a deployment, reached with the user's AWS credentials. */
function tableOf(apiUrl: string, table: string | undefined, env: NodeJS.ProcessEnv) {
  const marshallOptions = { removeUndefinedValues: true, convertClassInstanceToMap: false };
  if (isLocalApi(apiUrl)) {
    const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB ?? `http://127.0.0.1:${env.LEADFLOW_DYNAMODB_PORT ?? DEFAULT_LOCAL_DYNAMODB_PORT}`;
    const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    return { documents: DynamoDBDocumentClient.from(client, { marshallOptions }), tableName: table ?? LOCAL_TABLE, where: `the local stack's DynamoDB at ${endpoint}` };
  }
  const region = regionOf(apiUrl, env);
  if (!region) throw new CliError(`Cannot tell the AWS region of ${apiUrl}; set LEADFLOW_REGION`);
  if (!table) throw new CliError("Name the table: --table or $LEADFLOW_TABLE, the stack's TableName output");
  return { documents: DynamoDBDocumentClient.from(new DynamoDBClient({ region }), { marshallOptions }), tableName: table, where: `${region}` };
}

/** `leadflow migrate events`: moves data written by an earlier layout of the table into today's. */
export function registerMigrate(program: Command, context: CommandContext): void {
  const { io } = context;
  const migrate = commandGroup(program, 'migrate', 'move data written by an earlier version into the current table layout');
  migrate
    .command('events')
    .description("move events (EVENT#<id> items) into their lead's or visitor's partition and scores off the lead profile into their own item; safe to stop and run again")
    .option('--table <name>', "the table (default: $LEADFLOW_TABLE; locally the local stack's)")
    .action(async (options: { table?: string }) => {
      const { documents, tableName, where } = tableOf(context.apiUrl(), options.table ?? io.env.LEADFLOW_TABLE, io.env);
      io.out(`Migrating table ${tableName} in ${where}`);
      try {
        const report = await new LayoutMigration(documents, tableName).run((progress) => io.out(`  ${progress.scoresMoved} scores, ${progress.eventsMoved} events moved so far`));
        io.out(`Done: ${report.scoresMoved} scores and ${report.eventsMoved} events moved.`);
        if (report.eventsAwaitingScore) io.out(`${report.eventsAwaitingScore} of those events had never been scored: each is counted with its lead's next scoring.`);
        if (!report.scoresMoved && !report.eventsMoved) io.out('Nothing was left to move: the table is in the current layout.');
      } finally {
        documents.destroy();
      }
    });
}
