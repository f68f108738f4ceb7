import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { CONSOLE_SOURCE, removeAbandonedBuilds } from '../../local/console';

const CONFIG = join(CONSOLE_SOURCE, 'vite.config.ts');
const folder = mkdtempSync(join(tmpdir(), 'leadflow-console-build-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/**
 * The console's build refuses a module that reaches a Node built-in (web/console/vite.config.ts): Vite
 * would give it an empty stand-in that fails only when called in a browser, and warned five times at
 * every first `npm start` while the console's forms took their schemas from modules that also held
 * server-side helpers.
 */
describe('the console build', () => {
  it('refuses a module that imports a Node built-in, naming the module', async () => {
    const probe = join(folder, 'probe.ts');
    writeFileSync(probe, "import { createHash } from 'node:crypto';\nexport const digest = () => createHash('sha256').digest('hex');\n");
    await expect(build({ configFile: CONFIG, logLevel: 'silent', build: { write: false, rolldownOptions: { input: probe } } })).rejects.toThrow(`${probe} imports node:crypto, which browsers do not have`);
  });

  it('builds the console itself: none of the modules it imports reaches one', async () => {
    await expect(build({ configFile: CONFIG, logLevel: 'silent', build: { write: false } })).resolves.toBeDefined();
  }, 120_000);
});

describe("the console's abandoned builds", () => {
  it('are removed once the process that made them has ended, and a running build is left alone', () => {
    const ended = spawnSync(process.execPath, ['-e', '']).pid;
    const abandoned = join(CONSOLE_SOURCE, `dist.${ended}.tmp`);
    const running = join(CONSOLE_SOURCE, `dist.${process.pid}.tmp`);
    try {
      for (const staging of [abandoned, running]) {
        mkdirSync(join(staging, 'assets'), { recursive: true });
        writeFileSync(join(staging, 'index.html'), '<!doctype html>');
      }
      removeAbandonedBuilds();
      expect({ abandoned: existsSync(abandoned), running: existsSync(running) }).toEqual({ abandoned: false, running: true });
    } finally {
      for (const staging of [abandoned, running]) rmSync(staging, { recursive: true, force: true });
    }
  });
});
