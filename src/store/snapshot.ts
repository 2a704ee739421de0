import { open, rename, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { syncDir } from './journal.js';

/**
 * Writes `bytes` to `file` safely (research/sqljs-store.md §6.2): temp file, fsync, keep the old
 * file as `<file>.prev`, rename temp over `file`, fsync the directory. A crash at any point leaves
 * either the old or the new snapshot complete on disk.
 */
export async function writeSnapshot(bytes: Uint8Array, file: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (await exists(file)) await rename(file, `${file}.prev`);
  await rename(tmp, file);
  await syncDir(path.dirname(file));
}

/** Reads a snapshot file, or null when there is none. */
export async function readSnapshot(file: string): Promise<Uint8Array | null> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Moves a bad snapshot aside (never overwritten, never deleted); returns the new name. */
export async function quarantine(file: string, now: number): Promise<string> {
  const target = `${file}.corrupt-${new Date(now).toISOString().replaceAll(':', '-')}`;
  await rename(file, target);
  await syncDir(path.dirname(file));
  return target;
}

export async function exists(file: string): Promise<boolean> {
  try { await stat(file); return true; } catch { return false; } // ENOENT and friends: not there
}

/** Removes a leftover temp file from a crash during a snapshot write. */
export async function removeTemp(file: string): Promise<void> {
  try { await unlink(`${file}.tmp`); } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
