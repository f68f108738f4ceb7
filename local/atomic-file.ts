import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes `text` to `file` (readable by its owner only) so that a crash leaves either the old or the
 * new content: temp file, fsync, rename, fsync of the folder.
 */
export async function replaceAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
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
