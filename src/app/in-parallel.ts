/**
 * Runs tasks with at most `limit` at a time and collects failures instead of abandoning the others,
 * so a batch can report how far it got. (No concurrency-limiting package is a dependency, and this
 * one needs the failures collected, which such packages leave to the caller anyway.)
 */
export async function inParallel(tasks: readonly (() => Promise<void>)[], limit: number): Promise<unknown[]> {
  const queue = [...tasks];
  const failures: unknown[] = [];
  const worker = async () => {
    for (let task = queue.shift(); task; task = queue.shift()) {
      try {
        await task();
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
  return failures;
}
