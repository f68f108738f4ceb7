/**
 * Set-up of every file: a worker process ends when the run that started it has gone (promise 20: no
 * process outlives a test run, even after a kill -9 of its parent). vitest stops its workers itself at
 * the end of a run, and installs no handler for its IPC channel closing, so a worker whose `vitest`
 * was killed went on with its file alone, for up to that file's length (the console's browser
 * file, two minutes and more), its stack's ports still open, its Chromium and DynamoDB Locals
 * running. The channel closes only when the parent has gone: an exit then runs Playwright's exit
 * hook, which kills its browsers, and closes the pipes the worker's DynamoDB Locals end with.
 *
 * A worker runs many files in turn, each running this file again: one listener a process.
 */
const LISTENING = Symbol.for('leadflow.test.endsWithRun');
const processState = process as NodeJS.Process & { [LISTENING]?: true };

if (!processState[LISTENING]) {
  processState[LISTENING] = true;
  process.once('disconnect', () => process.exit(1));
}
