import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUN_TEMPORARY_PREFIX, runTemporaryFolder } from '../run-temporary-folder';

describe("a test run's temporary folder (test/run-temporary-folder.ts)", () => {
  it('is the temporary folder of the process and of what it starts until removed, then goes with what was left in it, and the TMPDIR from before is back', () => {
    const before = process.env.TMPDIR;
    const machineFolder = tmpdir();
    const folder = runTemporaryFolder();
    try {
      expect(tmpdir()).toBe(folder.path);
      expect(dirname(folder.path)).toBe(machineFolder);
      expect(folder.path).toContain(RUN_TEMPORARY_PREFIX);
      expect(execFileSync(process.execPath, ['--print', "require('node:os').tmpdir()"], { encoding: 'utf8' }).trim()).toBe(folder.path);
      // As a killed Chromium leaves its singleton folder and Playwright's profile.
      mkdirSync(join(tmpdir(), 'org.chromium.Chromium.left'), { recursive: true });
      writeFileSync(join(tmpdir(), 'org.chromium.Chromium.left', 'SingletonCookie'), '1');
    } finally {
      folder.remove();
    }
    expect(existsSync(folder.path)).toBe(false);
    expect(process.env.TMPDIR).toBe(before);
    expect(tmpdir()).toBe(machineFolder);
  });
});
