import { createHash } from 'node:crypto';
import { open, rename, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { syncDir } from './journal.js';

/**
 * Snapshot files are the SQLite bytes followed by a 48-byte trailer: the magic `VSSNAP01`, the
 * SHA-256 of the SQLite bytes (32 bytes) and their length (uint64 big-endian). The checksum catches
 * damage `PRAGMA quick_check` cannot see (a flipped bit inside a row). SQLite itself never reads
 * the trailer: it is cut off before the bytes are opened.
 */
const MAGIC = Buffer.from('VSSNAP01', 'ascii');
export const TRAILER_BYTES = MAGIC.length + 32 + 8;

/** Why a snapshot file cannot be used. */
export class SnapshotUnusableError extends Error {}

function trailer(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(TRAILER_BYTES);
  MAGIC.copy(out, 0);
  createHash('sha256').update(bytes).digest().copy(out, MAGIC.length);
  out.writeBigUInt64BE(BigInt(bytes.byteLength), MAGIC.length + 32);
  return out;
}

/**
 * Checks a snapshot file's bytes and returns the SQLite part.
 * @throws SnapshotUnusableError for an empty file, a wrong length or a checksum mismatch.
 */
export function verifySnapshot(file: Buffer): Uint8Array {
  if (file.byteLength === 0) throw new SnapshotUnusableError('the file is empty (0 bytes)');
  if (file.byteLength >= TRAILER_BYTES) {
    const t = file.subarray(file.byteLength - TRAILER_BYTES);
    if (t.subarray(0, MAGIC.length).equals(MAGIC)) {
      const length = Number(t.readBigUInt64BE(MAGIC.length + 32));
      if (length !== file.byteLength - TRAILER_BYTES) throw new SnapshotUnusableError(`length mismatch: trailer says ${length} bytes, file holds ${file.byteLength - TRAILER_BYTES}`);
      const body = file.subarray(0, length);
      const sum = createHash('sha256').update(body).digest();
      if (!sum.equals(t.subarray(MAGIC.length, MAGIC.length + 32))) throw new SnapshotUnusableError('checksum mismatch (the file was damaged after it was written)');
      return body;
    }
  }
  // A snapshot written before checksums (0.1.x): only quick_check can judge it.
  if (file.subarray(0, 16).toString('latin1') !== 'SQLite format 3\u0000') throw new SnapshotUnusableError('not an SQLite database');
  return file;
}

/**
 * Writes `bytes` to `file` safely (research/sqljs-store.md §6.2): temp file with the checksum trailer,
 * fsync, keep the old file as `<file>.prev` (only when it still verifies: a damaged current file is
 * moved aside instead, so a good `.prev` is never replaced by a bad one), rename temp over `file`,
 * fsync the directory. A crash at any point leaves either the old or the new snapshot complete.
 * @returns the name a damaged current file was moved to, or null.
 */
export async function writeSnapshot(bytes: Uint8Array, file: string, now = Date.now()): Promise<string | null> {
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.writeFile(trailer(bytes));
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => undefined); // the write failed: leave no temp file behind (ENOENT is fine)
    throw err;
  }
  await fh.close();
  let movedAside: string | null = null;
  const current = await checkFile(file);
  if (current === 'good') await rename(file, `${file}.prev`);
  else if (current === 'bad') movedAside = await quarantine(file, now);
  await rename(tmp, file);
  await syncDir(path.dirname(file));
  return movedAside;
}

/**
 * Whether the snapshot on disk still verifies, read in chunks (the whole file never sits in memory
 * next to the export being written): 'good', 'bad', or 'absent'.
 */
export async function checkFile(file: string): Promise<'good' | 'bad' | 'absent'> {
  let fh;
  try { fh = await open(file, 'r'); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    return 'bad';
  }
  try {
    const size = (await fh.stat()).size;
    if (size === 0) return 'bad';
    const head = Buffer.alloc(Math.min(size, 16));
    await fh.read(head, 0, head.length, 0);
    if (size < TRAILER_BYTES) return 'bad';
    const tail = Buffer.alloc(TRAILER_BYTES);
    await fh.read(tail, 0, TRAILER_BYTES, size - TRAILER_BYTES);
    if (!tail.subarray(0, MAGIC.length).equals(MAGIC)) {
      // A snapshot from before checksums: only its header can be checked here.
      return head.toString('latin1') === 'SQLite format 3\u0000' ? 'good' : 'bad';
    }
    const length = Number(tail.readBigUInt64BE(MAGIC.length + 32));
    if (length !== size - TRAILER_BYTES) return 'bad';
    const hash = createHash('sha256');
    const chunk = Buffer.alloc(1 << 20);
    for (let at = 0; at < length; at += chunk.length) {
      const { bytesRead } = await fh.read(chunk, 0, Math.min(chunk.length, length - at), at);
      hash.update(chunk.subarray(0, bytesRead));
    }
    return hash.digest().equals(tail.subarray(MAGIC.length, MAGIC.length + 32)) ? 'good' : 'bad';
  } finally {
    await fh.close();
  }
}

/** Reads a snapshot file, or null when there is none. */
export async function readSnapshot(file: string): Promise<Buffer | null> {
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

/**
 * Removes a leftover temp file from a crash during a snapshot write. On a read-only disk there is
 * nothing to do (the store opens for reading; the first write reports the problem).
 */
export async function removeTemp(file: string): Promise<void> {
  try { await unlink(`${file}.tmp`); } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EROFS') throw err;
  }
}
