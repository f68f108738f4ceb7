import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUN_TEMPORARY_PREFIX, runTemporaryFolder } from '../run-temporary-folder';

describe("a test run's temporary folder (test/run-temporary-folder.ts)", () => {
  it('is the temporary folder of the process and of what it starts until removed, then goes with what was left in it, and the TMPDIR from before is back', async () => {
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
      await folder.remove();
    }
    expect(existsSync(folder.path)).toBe(false);
    expect(process.env.TMPDIR).toBe(before);
    expect(tmpdir()).toBe(machineFolder);
  });

  it("removes the folders of runs that ended without removing theirs (a kill -9 of vitest), and keeps those of runs still going and everything else", async () => {
    // The pid of a process that has ended, as a killed run's is.
    const { pid: endedPid } = spawnSync(process.execPath, ['--eval', '']);
    const leftByKilledRun = join(tmpdir(), `${RUN_TEMPORARY_PREFIX}${endedPid}-x1Y2z3`);
    const ofRunGoingOn = join(tmpdir(), `${RUN_TEMPORARY_PREFIX}${process.pid}-a1B2c3`);
    const withoutPid = join(tmpdir(), `${RUN_TEMPORARY_PREFIX}a1B2c3`);
    for (const folder of [leftByKilledRun, ofRunGoingOn, withoutPid]) mkdirSync(join(folder, 'org.chromium.Chromium.left'), { recursive: true });
    const folder = runTemporaryFolder();
    try {
      expect(existsSync(leftByKilledRun)).toBe(false);
      expect(existsSync(ofRunGoingOn)).toBe(true);
      expect(existsSync(withoutPid)).toBe(true);
      expect(folder.path).toContain(`${RUN_TEMPORARY_PREFIX}${process.pid}-`);
    } finally {
      await folder.remove();
      for (const left of [leftByKilledRun, ofRunGoingOn, withoutPid]) rmSync(left, { recursive: true, force: true });
    }
  });

  it('is removed once what the run started has ended, though it still writes there when the removal begins (a Chromium\'s crash reporter)', async () => {
    const folder = runTemporaryFolder();
    // Makes its profile folder and a file in it again and again for a second and a half, as a dying browser's reporter may.
    const writer = spawn(process.execPath, ['--eval', "const { mkdirSync, writeFileSync } = require('node:fs'); const { join } = require('node:path'); const profile = join(require('node:os').tmpdir(), 'profile', 'Crashpad'); const end = Date.now() + 1500; console.log('writing'); while (Date.now() < end) { mkdirSync(profile, { recursive: true }); writeFileSync(join(profile, String(Date.now())), ''); }"], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await once(writer.stdout, 'data');
    } finally {
      await folder.remove();
    }
    expect(existsSync(folder.path)).toBe(false);
    // It wrote to its end: nothing was removed under it.
    const [code] = writer.exitCode === null ? await once(writer, 'exit') : [writer.exitCode];
    expect(code).toBe(0);
  });
});
