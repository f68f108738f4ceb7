import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Kills any DynamoDB Local a crashed or killed worker left behind.
    globalSetup: ['test/global-setup.ts'],
    // Integration tests start Java and Node stand-ins; two cores share them, so give them room.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
