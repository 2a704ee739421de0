import { open, readdir, readFile, unlink, mkdir, rename, appendFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import { storageError } from './storage-errors.js';

/** One journal line: a record type and its payload. `v` is the format version. */
export interface JournalRecord { v: 1; t: string; [field: string]: unknown }

/** A line read back from the journal, with where it came from (for set-aside reports). */
export interface JournalLine { record: JournalRecord; file: string; line: number; text: string }

const FILE_RE = /^journal\.(\d{8})\.jsonl$/;
/** Keeps the highest sequence ever handed out, so numbering never goes back (even with every file gone). */
export const NEXT_SEQ_FILE = 'next-seq';
/** Staged copies of imported files (importers): `staged/<seq>-<id>.data`, deleted with journal file <seq>. */
export const STAGED_DIR = 'staged';
const STAGED_RE = /^(\d{8})-[^/]+\.data$/;
/** Lines that could not be replayed are appended here, never dropped. */
export const SET_ASIDE_FILE = 'set-aside.jsonl';

export function journalFileName(seq: number): string {
  return `journal.${String(seq).padStart(8, '0')}.jsonl`;
}

/** fsyncs a directory so that a create or rename inside it survives power loss. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try { await handle.sync(); } finally { await handle.close(); }
}

async function sequences(dir: string): Promise<number[]> {
  return (await readdir(dir)).map((f) => FILE_RE.exec(f)).filter((m) => m !== null).map((m) => Number(m[1])).sort((a, b) => a - b);
}

async function readNextSeq(dir: string): Promise<number> {
  try {
    const n = Number((await readFile(path.join(dir, NEXT_SEQ_FILE), 'utf8')).trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** Writes the next-sequence file atomically (temp, fsync, rename, fsync dir). */
async function writeNextSeq(dir: string, seq: number): Promise<void> {
  const tmp = path.join(dir, `${NEXT_SEQ_FILE}.tmp`);
  const fh = await open(tmp, 'w', 0o600);
  try { await fh.writeFile(`${seq}\n`); await fh.sync(); } finally { await fh.close(); }
  await rename(tmp, path.join(dir, NEXT_SEQ_FILE));
  await syncDir(dir);
}

/** Writes all of `bytes` at `position`, looping over short writes (write(2) may write fewer bytes). */
export async function writeFully(fh: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, offset, bytes.length - offset, position + offset);
    if (bytesWritten <= 0) throw Object.assign(new Error('journal: write made no progress'), { code: 'EIO' });
    offset += bytesWritten;
  }
}

export interface JournalOptions {
  /** The snapshot's journal sequence: new files are numbered above it, whatever files remain. */
  floorSeq: number;
  /** Open for reading only: no file is created, renamed or deleted. */
  readOnly?: boolean;
}

/**
 * The append-only JSONL journal (research/sqljs-store.md §6.3): every record is written and
 * fdatasync'd before anything derived from it is visible. Files are `journal.<seq>.jsonl`; a new file
 * starts at every open and at every rotation, so a torn last line can only end a file.
 *
 * Numbering never goes back: the first file of a run is numbered above the largest of (the files
 * present, the snapshot's sequence `floorSeq`, and the `next-seq` file), so a snapshot's
 * `journal_seq` can never cover a file written after it (the loss fixed in 0.2.0).
 *
 * An append that fails or writes short is truncated back to the last complete line (or, if even that
 * fails, the file is abandoned and the next append starts a new one) and rejects: it is never
 * acknowledged.
 * @throws StorageError (via the promise) when the disk refuses a write (ENOSPC, EROFS, EFBIG, EDQUOT, EIO).
 */
export async function openJournal(dir: string, log: Logger, { floorSeq, readOnly = false }: JournalOptions) {
  if (!readOnly) await mkdir(dir, { recursive: true, mode: 0o700 });
  const existing = readOnly ? await sequences(dir).catch(() => [] as number[]) : await sequences(dir);
  const stored = readOnly ? 0 : await readNextSeq(dir);
  let seq = Math.max((existing.at(-1) ?? 0) + 1, floorSeq + 1, stored);
  /** Sequence of the first file this run wrote (files below it were written by earlier runs). */
  const firstSeqOfRun = seq;
  let handle: FileHandle | null = null;
  let size = 0;
  let recordsSinceRotation = 0;
  let bytesWritten = 0;
  let tail: Promise<unknown> = Promise.resolve();

  async function openCurrent(): Promise<FileHandle> {
    if (readOnly) throw new Error('journal: opened read-only');
    if (!handle) {
      await writeNextSeq(dir, seq + 1);
      handle = await open(path.join(dir, journalFileName(seq)), 'a', 0o600);
      size = (await handle.stat()).size;
      await syncDir(dir);
    }
    return handle;
  }

  /** Undoes a failed append: truncate to the last good size, or give the file up and start the next. */
  async function repair(fh: FileHandle, goodSize: number, err: unknown): Promise<void> {
    try {
      await fh.truncate(goodSize);
      await fh.datasync();
      size = goodSize;
    } catch (truncateErr) {
      log.error({ err: truncateErr, file: journalFileName(seq) }, 'journal: could not truncate a failed append; starting a new file');
      await fh.close().catch((closeErr: Error) => log.warn({ err: closeErr }, 'journal: close after failed append failed'));
      handle = null;
      seq += 1;
    }
    log.error({ err, file: journalFileName(seq) }, 'journal: append failed and was undone; nothing was acknowledged');
  }

  /** Appends records as one write + fdatasync. Resolves once they are durable. */
  function append(records: JournalRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const bytes = Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n', 'utf8');
    const run = tail.then(async () => {
      let fh: FileHandle;
      try { fh = await openCurrent(); } catch (err) { throw storageError(err, 'journal'); }
      const before = size;
      try {
        await writeFully(fh, bytes, before);
        await fh.datasync();
      } catch (err) {
        await repair(fh, before, err);
        throw storageError(err, 'journal');
      }
      size = before + bytes.length;
      recordsSinceRotation += records.length;
      bytesWritten += bytes.length;
    });
    tail = run.catch(() => undefined);
    return run;
  }

  /** Closes the current file and starts the next; returns the sequence number of the closed one. */
  async function rotate(): Promise<number> {
    await tail;
    const closed = seq;
    if (handle) { await handle.close(); handle = null; }
    seq += 1;
    recordsSinceRotation = 0;
    return closed;
  }

  /**
   * Reads every line in files with sequence > `afterSeq` that this run did not write, in order. A line
   * that does not parse is counted as torn: at the end of a file it is a torn append (a crash
   * mid-write), elsewhere damage (then it is also set aside). Lines whose JSON parses are returned for
   * the replay to validate.
   */
  async function readAfter(afterSeq: number): Promise<{ lines: JournalLine[]; files: number; torn: number }> {
    const files = (await sequences(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as number[];
      throw err;
    })).filter((n) => n > afterSeq && n < firstSeqOfRun);
    const out: JournalLine[] = [];
    let torn = 0;
    for (const n of files) {
      const file = journalFileName(n);
      const text = await readFile(path.join(dir, file), 'utf8');
      const lines = text.split('\n');
      for (let index = 0; index < lines.length; index++) {
        const line = lines[index]!;
        if (line === '') continue;
        try {
          const record = JSON.parse(line) as JournalRecord;
          if (typeof record !== 'object' || record === null || typeof record.t !== 'string') throw new Error('not a journal record');
          out.push({ record, file, line: index + 1, text: line });
        } catch (err) {
          torn += 1;
          const last = index >= lines.length - 2;
          if (last) log.warn({ file, line: index + 1, err }, 'journal: torn last line ignored');
          else await setAside({ file, line: index + 1, text: line }, `damaged line: ${(err as Error).message}`);
        }
      }
    }
    return { lines: out, files: files.length, torn };
  }

  let setAsideCount = 0;
  /** Keeps a line that cannot be replayed in set-aside.jsonl (with why), so nothing is dropped. */
  async function setAside(line: { file: string; line: number; text: string }, reason: string): Promise<void> {
    setAsideCount += 1;
    log.error({ file: line.file, line: line.line, reason }, 'journal: line set aside (kept in journal/set-aside.jsonl)');
    if (readOnly) return;
    const entry = JSON.stringify({ set_aside_at: Date.now(), file: line.file, line: line.line, reason, text: line.text });
    await appendFile(path.join(dir, SET_ASIDE_FILE), `${entry}\n`, { mode: 0o600 });
  }

  /** Deletes journal files with sequence <= `uptoSeq` (their records are in a durable snapshot), and their staged files. */
  async function deleteUpTo(uptoSeq: number): Promise<number> {
    if (readOnly) return 0;
    const files = (await sequences(dir)).filter((n) => n <= uptoSeq);
    for (const n of files) await unlink(path.join(dir, journalFileName(n)));
    if (files.length > 0) await syncDir(dir);
    const stagedDir = path.join(dir, STAGED_DIR);
    const staged = (await readdir(stagedDir).catch(() => [] as string[]))
      .filter((f) => { const m = STAGED_RE.exec(f); return m !== null && Number(m[1]) <= uptoSeq; });
    for (const f of staged) await unlink(path.join(stagedDir, f));
    return files.length;
  }

  /** Removes staged files left half-written by a crash (`.tmp`); they were never journaled. */
  async function removeStagedTemps(): Promise<void> {
    const stagedDir = path.join(dir, STAGED_DIR);
    for (const f of await readdir(stagedDir).catch(() => [] as string[])) {
      if (f.endsWith('.tmp')) {
        await unlink(path.join(stagedDir, f)).catch((err: NodeJS.ErrnoException) => log.warn({ err, file: f }, 'journal: could not remove a half-staged file'));
      }
    }
  }
  if (!readOnly) await removeStagedTemps();

  async function close(): Promise<void> {
    await tail;
    if (handle) { await handle.close(); handle = null; }
  }

  return {
    append, rotate, readAfter, setAside, deleteUpTo, close, dir,
    /** Sequence number of the file being appended to. */
    get seq() { return seq; },
    /** Records appended since the last rotation (compaction trigger). */
    get pending() { return recordsSinceRotation; },
    /** Bytes appended since open. */
    get bytesWritten() { return bytesWritten; },
    /** Lines set aside since open. */
    get setAsideCount() { return setAsideCount; },
  };
}

export type Journal = Awaited<ReturnType<typeof openJournal>>;
