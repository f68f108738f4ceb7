import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHILD_PID_DIR_VARIABLE, killRecordedChildren, recordedChildrenAlive } from '../local/child-registry';
import { DYNAMODB_JIT_VARIABLE } from '../local/dynamodb-jit';
import { serveRunDynamoDb } from './run-dynamodb';
import { runTemporaryFolder } from './run-temporary-folder';

/** Names the run's folder for synthesized CDK apps (test/infra/template-app.ts); workers inherit it. */
export const CDK_OUT_ROOT_VARIABLE = 'LEADFLOW_TEST_CDK_OUT';

/** How long workers that are still exiting get to stop their own stacks before the teardown kills them. */
const WORKER_EXIT_GRACE_MS = 10_000;

/**
 * Once per `vitest run`: a folder where every DynamoDB Local the tests start records its process
 * (workers inherit the variable). A stack's `stop()` or its worker's exit ends the process; a worker
 * killed mid-test (a timeout, a crash) cannot, so the teardown kills what is still running. A
 * folder the template tests synthesize their apps into, removed with everything in it at the end. And
 * the run's own DynamoDB Local (test/run-dynamodb.ts), which the stacks and adapter tests share,
 * started when the first of them asks. And the run's temporary folder (test/run-temporary-folder.ts),
 * removed last, once nothing the run started can write to it.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const temporary = runTemporaryFolder();
  const folder = mkdtempSync(join(tmpdir(), 'leadflow-test-children-'));
  process.env[CHILD_PID_DIR_VARIABLE] = folder;
  const synthesized = mkdtempSync(join(tmpdir(), 'leadflow-test-cdk-'));
  process.env[CDK_OUT_ROOT_VARIABLE] = synthesized;
  // The tests' DynamoDB Locals live too briefly for C2 to pay back (local/dynamodb-jit.ts).
  process.env[DYNAMODB_JIT_VARIABLE] = 'short-runs';
  const runDynamoDb = await serveRunDynamoDb();
  return async () => {
    // Stopped first: it is one of the recorded processes the loop below waits for.
    await runDynamoDb.stop();
    rmSync(synthesized, { recursive: true, force: true });
    delete process.env[CDK_OUT_ROOT_VARIABLE];
    delete process.env[DYNAMODB_JIT_VARIABLE];
    const deadline = Date.now() + WORKER_EXIT_GRACE_MS;
    while (recordedChildrenAlive(folder).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    const killed = killRecordedChildren(folder);
    if (killed.length > 0) console.warn(`test teardown: killed ${killed.length} DynamoDB Local process(es) a test worker left behind: ${killed.join(', ')}`);
    rmSync(folder, { recursive: true, force: true });
    delete process.env[CHILD_PID_DIR_VARIABLE];
    await temporary.remove();
  };
}
