import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { storageError, syncDir, writeFully, STAGED_DIR } from '../store/index.js';

/** Staged copies of imported files live here, under the journal folder (deleted with their journal file). */
/** Files up to this size are also kept in memory while staging (parsed with JSON.parse, fast). */
export const IN_MEMORY_MAX_BYTES = 48 * 1024 * 1024;

/** One history file copied into the journal folder, fsync'd: the import's durable record. */
export interface StagedFile {
  /** Name relative to the journal folder (`staged/<seq>-<uuid>.data`). */
  name: string;
  /** Absolute path. */
  path: string;
  bytes: number;
  sha256: string;
  /** The whole content when it is at most {@link IN_MEMORY_MAX_BYTES}, else null (read it back from `path`). */
  buffer: Buffer | null;
}

/** Limits that hold whatever a file or a zip header claims. */
export interface StageLimits {
  /** Hard cap on the bytes of one history file (a zip entry counted as inflated). */
  maxBytes: number;
}

/**
 * Copies `input` into the journal folder as a staged file and fsyncs it (the import's durable record),
 * keeping the bytes in memory too when they are few. Stops with a sentence once `maxBytes` is passed
 * (a zip bomb, a wrong file); nothing is left behind on any failure.
 * @throws ImportLimitError when the input is larger than the cap.
 * @throws StorageError when the disk refuses the copy.
 */
export async function stageInput(input: Readable, journalDir: string | null, seq: number, limits: StageLimits): Promise<StagedFile> {
  if (journalDir === null) return bufferInput(input, limits);
  const dir = path.join(journalDir, STAGED_DIR);
  const name = `${STAGED_DIR}/${String(seq).padStart(8, '0')}-${randomUUID()}.data`;
  const final = path.join(journalDir, name);
  const tmp = `${final}.tmp`;
  let fh: FileHandle | null = null;
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let bytes = 0;
  let keep = true;
  try {
    try {
      // Not recursive: the journal folder exists, and a recursive mkdir reports ENOENT instead of EROFS.
      await mkdir(dir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err; });
      fh = await open(tmp, 'w', 0o600);
    } catch (err) { throw storageError(err, 'import'); }
    for await (const chunk of input) {
      const buf = chunk as Buffer;
      bytes += buf.length;
      if (bytes > limits.maxBytes) throw new ImportLimitError(limits.maxBytes);
      hash.update(buf);
      if (keep) {
        if (bytes <= IN_MEMORY_MAX_BYTES) chunks.push(buf);
        else { keep = false; chunks.length = 0; }
      }
      // Every byte, however short a write comes back (a disk with less room than one read: 4 MiB reads).
      try { await writeFully(fh, buf, bytes - buf.length); } catch (err) { throw storageError(err, 'import'); }
    }
    try {
      await fh.datasync();
      await fh.close();
      fh = null;
      await rename(tmp, final);
      await syncDir(path.dirname(final));
    } catch (err) { throw storageError(err, 'import'); }
  } catch (err) {
    input.destroy();
    await fh?.close().catch(() => undefined); // already failing: the close error adds nothing
    await unlink(tmp).catch(() => undefined); // ENOENT when it was never created
    throw err;
  }
  return { name, path: final, bytes, sha256: hash.digest('hex'), buffer: keep ? Buffer.concat(chunks, bytes) : null };
}

/** An in-memory store (tests) has no journal folder: the bytes are only buffered, with the same cap. */
async function bufferInput(input: Readable, limits: StageLimits): Promise<StagedFile> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of input) {
    const buf = chunk as Buffer;
    bytes += buf.length;
    if (bytes > limits.maxBytes) { input.destroy(); throw new ImportLimitError(limits.maxBytes); }
    hash.update(buf);
    chunks.push(buf);
  }
  return { name: '', path: '', bytes, sha256: hash.digest('hex'), buffer: Buffer.concat(chunks, bytes) };
}

/** Removes a staged file that will not be journaled (the file had no valid row). */
export async function discardStaged(file: StagedFile): Promise<void> {
  if (!file.path) return;
  await unlink(file.path).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err; });
}

/** A history file (or zip entry) larger than any real export file; refused before it can fill memory or disk. */
export class ImportLimitError extends Error {
  constructor(readonly maxBytes: number) {
    super(`it is larger than ${Math.round(maxBytes / 1024 / 1024)} MB once unpacked; a Spotify history file is about 12 MB, so this is not one (or the zip is damaged)`);
  }
}
