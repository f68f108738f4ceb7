import { existsSync, readFileSync } from 'node:fs';

/** Linux's clock ticks per second (USER_HZ), in which /proc/<pid>/stat counts a process's CPU time. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used, from /proc; undefined where there is no /proc. */
function processCpuSeconds(pid: number): number | undefined {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return undefined;
  // The fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * CPU the local stack uses from now until the returned function is called: this process (the stack's
 * main thread, the functions' worker threads, the SQS and SES stand-ins and the bench itself) and
 * DynamoDB Local. On a machine shared with other work, wall-clock time says how much CPU the stack
 * got; this says how much it needed.
 */
export function cpuMeter(dynamodbPid: number): () => { nodeCpuSeconds: number; dynamoDbCpuSeconds: number } {
  const node = process.cpuUsage();
  const java = processCpuSeconds(dynamodbPid) ?? Number.NaN;
  return () => {
    const used = process.cpuUsage(node);
    return { nodeCpuSeconds: (used.user + used.system) / 1e6, dynamoDbCpuSeconds: (processCpuSeconds(dynamodbPid) ?? Number.NaN) - java };
  };
}
