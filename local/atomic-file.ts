import { randomBytes } from 'node:crypto';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes `text` to `file` (readable by its owner only) so that a crash leaves either the old or the
 * new content: temp file, fsync, rename, fsync of the folder.
 */
export async function replaceAtomically(file: string, text: string): Promise<void> {
  // A name of its own for each write: two writers of one file in one process (two local schedulers on
  // a test's file) would otherwise write one temporary file, and the second rename find it gone.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  const folder = await open(dirname(file), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
