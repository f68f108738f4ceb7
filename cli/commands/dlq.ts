import type { Command } from 'commander';
import { type CommandContext, commandGroup } from '../command-context';
import { type DlqOptions, listDlqs, redriveDlq, showDlq } from '../dead-letter-queues';

/** `leadflow dlq list | show | redrive`: the dead-letter queues of the local stack or a deployment. */
export function registerDlq(program: Command, context: CommandContext): void {
  const { io } = context;
  const dlq = commandGroup(program, 'dlq', 'dead-letter queues: what failed, and replaying it')
    .option('--stack <name>', 'in AWS: the stack whose queues to use (default: $LEADFLOW_STACK, else Leadflow)')
    .addHelpText(
      'after',
      `
dlq finds the queues locally on the SQS of npm start ($AWS_ENDPOINT_URL_SQS, else 127.0.0.1 port
$LEADFLOW_SQS_PORT or 4566), in AWS by name in the API's region.`,
    );
  const options = (): DlqOptions => {
    const { stack } = dlq.opts<{ stack?: string }>();
    return { apiUrl: context.apiUrl(), ...(stack === undefined ? {} : { stack }) };
  };

  dlq
    .command('list')
    .description('every dead-letter queue: messages waiting and the age of the oldest')
    .action(() => listDlqs(options(), io));

  // The function is checked by the command, which names the DLQs to choose from.
  dlq
    .command('show')
    .description('look at up to n (10) messages without consuming them; no personal data shown')
    .argument('[function]', "the function whose DLQ to look at")
    .usage('<function> [options]')
    .option('--max <n>', 'how many messages, 1 to 100 (default 10)')
    .action((name: string | undefined, showOptions: { max?: string }) => showDlq(name, showOptions.max, options(), io));

  dlq
    .command('redrive')
    .description("move the DLQ's messages back to the function's queue, with progress")
    .argument('[function|all]', 'the function whose DLQ to redrive, or all')
    .usage('<function|all>')
    .action((name: string | undefined) => redriveDlq(name, options(), io));
}
