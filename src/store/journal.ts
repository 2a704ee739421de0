import { open, readdir, readFile, unlink, mkdir, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';

/** One journal line: a record type and its payload. `v` is the format version. */
export interface JournalRecord { v: 1; t: string; [field: string]: unknown }

const FILE_RE = /^journal\.(\d{8})\.jsonl$/;

function fileName(seq: number): string {
  return `journal.${String(seq).padStart(8, '0')}.jsonl`;
}

/** fsyncs a directory so that a create or rename inside it survives power loss. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try { await handle.sync(); } finally { await handle.close(); }
}

/**
 * The append-only JSONL journal (research/sqljs-store.md §6.3): every record is written and
 * fdatasync'd before anything derived from it is visible. Files are `journal.<seq>.jsonl`; a new file
 * starts at every open and at every rotation, so a torn last line can only end a file.
 */
export async function openJournal(dir: string, log: Logger) {
  await mkdir(dir, { recursive: true });
  const existing = (await readdir(dir)).map((f) => FILE_RE.exec(f)).filter((m) => m !== null)
    .map((m) => Number(m[1])).sort((a, b) => a - b);
  let seq = (existing.at(-1) ?? 0) + 1;
  let handle: FileHandle | null = null;
  let recordsSinceRotation = 0;
  let bytesWritten = 0;
  let tail: Promise<unknown> = Promise.resolve();

  async function openCurrent(): Promise<FileHandle> {
    if (!handle) {
      handle = await open(path.join(dir, fileName(seq)), 'a');
      await syncDir(dir);
    }
    return handle;
  }

  /** Appends records as one write + fdatasync. Resolves once they are durable. */
  function append(records: JournalRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const text = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const run = tail.then(async () => {
      const fh = await openCurrent();
      await fh.write(text);
      await fh.datasync();
      recordsSinceRotation += records.length;
      bytesWritten += Buffer.byteLength(text);
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
   * Reads every record in files with sequence > `afterSeq`, in order. A line that does not parse is
   * skipped and reported: at the end of a file it is a torn append (a crash mid-write), elsewhere damage.
   */
  async function readAfter(afterSeq: number): Promise<{ records: JournalRecord[]; files: number; torn: number }> {
    const files = (await readdir(dir)).map((f) => FILE_RE.exec(f)).filter((m) => m !== null)
      .map((m) => Number(m[1])).filter((n) => n > afterSeq && n < seq).sort((a, b) => a - b);
    const records: JournalRecord[] = [];
    let torn = 0;
    for (const n of files) {
      const text = await readFile(path.join(dir, fileName(n)), 'utf8');
      const lines = text.split('\n');
      lines.forEach((line, index) => {
        if (line === '') return;
        try {
          records.push(JSON.parse(line) as JournalRecord);
        } catch (err) {
          torn += 1;
          const last = index >= lines.length - 2;
          log.warn({ file: fileName(n), line: index + 1, err }, last ? 'journal: torn last line ignored' : 'journal: damaged line skipped');
        }
      });
    }
    return { records, files: files.length, torn };
  }

  /** Deletes journal files with sequence <= `uptoSeq` (their records are in a durable snapshot). */
  async function deleteUpTo(uptoSeq: number): Promise<number> {
    const files = (await readdir(dir)).map((f) => FILE_RE.exec(f)).filter((m) => m !== null)
      .map((m) => Number(m[1])).filter((n) => n <= uptoSeq);
    for (const n of files) await unlink(path.join(dir, fileName(n)));
    if (files.length > 0) await syncDir(dir);
    return files.length;
  }

  async function close(): Promise<void> {
    await tail;
    if (handle) { await handle.close(); handle = null; }
  }

  return {
    append, rotate, readAfter, deleteUpTo, close,
    /** Sequence number of the file being appended to. */
    get seq() { return seq; },
    /** Records appended since the last rotation (compaction trigger). */
    get pending() { return recordsSinceRotation; },
    /** Bytes appended since open. */
    get bytesWritten() { return bytesWritten; },
  };
}

export type Journal = Awaited<ReturnType<typeof openJournal>>;
