import { afterAll, vi } from 'vitest';

/**
 * Set-up of every file in a project that runs many files in one worker process (vitest.config.ts)
 * although each file sets the environment for itself: it runs before each file, and after the file's
 * own hooks puts back the environment and the real clocks, so the next file starts as it would in a
 * process of its own.
 */
const environmentBefore = { ...process.env };

afterAll(() => {
  vi.unstubAllEnvs();
  for (const name of Object.keys(process.env)) if (!Object.hasOwn(environmentBefore, name)) delete process.env[name];
  Object.assign(process.env, environmentBefore);
  vi.useRealTimers();
});
