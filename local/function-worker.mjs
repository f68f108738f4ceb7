// A function's worker thread starts here. Node does not load TypeScript itself, and neither
// `--import tsx` of `npm start` nor the test runner's transform reaches into a worker, so the
// worker registers tsx before loading the function's runtime and, through it, the handler.
import { register } from 'tsx/esm/api';

// The AWS SDK warns once per thread that this Node is older than its next releases support: the
// main thread has said so already, and 29 more copies would bury the banner. Other warnings pass.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if (String(warning).startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};

register();
await import('./function-worker.ts');
