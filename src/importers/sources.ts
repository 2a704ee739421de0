import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { ImportFileError } from '../errors.js';
import { looksLikeHistory, sniffFormat, SNIFF_BYTES } from './formats/index.js';

/** Names of the history files inside a Spotify privacy export (research/spotify-api.md §5). */
export const HISTORY_FILE_RE = /(Streaming_History_(Audio|Video)_[^/]*|endsong_\d+|StreamingHistory(_(music|podcast|audiobook))?_?\d+)\.json$/i;
/**
 * Other files in a folder or zip that may be listening history, whatever they are called (a
 * ListenBrainz export's `listens/2025/8.jsonl`, `maloja_export.json`, `.scrobbler.log`, a Libre.fm
 * CSV): their first bytes decide (formats/sniff.ts), so Spotify's Userdata.json or a playlist file is passed over.
 */
export const CANDIDATE_FILE_RE = /\.(json|jsonl|ndjson|csv|log|txt|tsv)$/i;
const candidate = (name: string) => !name.startsWith('__MACOSX/') && (HISTORY_FILE_RE.test(name) || CANDIDATE_FILE_RE.test(name));

/** Bytes per read of a history file on disk (see historyInputs). */
const STAGE_READ_BYTES = 4 * 1024 * 1024;

/** One history file to read: a plain file, or an entry of a zip. */
export interface HistoryInput {
  /** The name reports use: the path, or `archive.zip:entry/name.json`. */
  name: string;
  /** Bytes of JSON this input holds (the uncompressed size of a zip entry; 0 when the zip does not say). */
  size: number;
  /** Opens the bytes. For zip entries it must be called in order, once. */
  open(): Readable;
}

async function isZip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.readUInt32LE(0) === 0x04034b50;
  } finally {
    await fh.close();
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile() && (candidate(entry.name) || /\.zip$/i.test(entry.name))) out.push(full);
  }
  return out.sort();
}

/**
 * Streams the entries of a zip that may be history (Spotify names, or {@link CANDIDATE_FILE_RE}) with
 * fflate's streaming Unzip: never the whole archive in memory. Entries come in archive order; each
 * one's stream must be consumed (or destroyed) before the next is produced. Returns how many there were.
 * @throws ImportFileError when the archive is damaged.
 */
export async function* zipEntries(file: string, onBytes: (n: number) => void = () => {}): AsyncGenerator<{ name: string; stream: Readable; size: number }, number> {
  const ready: { name: string; stream: PassThrough; size: number }[] = [];
  let wake: (() => void) | null = null;
  let finished = false;
  let failure: Error | null = null;
  const state: { current: PassThrough | null } = { current: null };
  let found = 0;
  const signal = () => { wake?.(); wake = null; };
  // Loaded with the first zip, not at start-up.
  const { Unzip, UnzipInflate } = await import('fflate');
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  unzip.onfile = (entry) => {
    if (!candidate(entry.name)) return;
    const stream = new PassThrough({ highWaterMark: 1 << 20 });
    // The consumer stops reading (a size cap hit, a failure): stop inflating this entry at once.
    stream.once('close', () => { if (!stream.writableEnded) entry.terminate(); });
    entry.ondata = (err, chunk, final) => {
      if (stream.destroyed) return;
      if (err) { stream.destroy(new ImportFileError(`${file}:${entry.name}`, `damaged zip entry: ${err.message}`)); return; }
      stream.write(chunk);
      if (final) stream.end();
    };
    state.current = stream;
    found++;
    ready.push({ name: `${file}:${entry.name}`, stream, size: entry.originalSize ?? 0 });
    signal();
    entry.start();
  };
  const pump = (async () => {
    try {
      // Small input chunks bound what one push can inflate (deflate expands at most ~1032:1): ≤ 4 MB.
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 12 })) {
        onBytes((chunk as Uint8Array).byteLength);
        unzip.push(chunk as Uint8Array);
        const pt = state.current;
        if (pt && pt.writableLength > pt.writableHighWaterMark && !pt.destroyed) {
          await new Promise<void>((resolve) => {
            const done = () => { pt.off('drain', done); pt.off('close', done); resolve(); };
            pt.once('drain', done); pt.once('close', done);
          });
        }
      }
      unzip.push(new Uint8Array(0), true);
    } catch (err) {
      failure = new ImportFileError(file, `not a readable zip archive: ${(err as Error).message}`, undefined, { cause: err });
      state.current?.destroy(failure);
    } finally {
      finished = true;
      signal();
    }
  })();
  while (true) {
    const next = ready.shift();
    if (next) { yield next; continue; }
    if (finished) break;
    await new Promise<void>((resolve) => { wake = resolve; });
  }
  await pump;
  if (failure) throw failure;
  return found;
}

const NO_HISTORY = 'no Spotify streaming history (Streaming_History_Audio_*.json or StreamingHistory_music_*.json) and no other '
  + 'listening history (a ListenBrainz export, a Maloja export, a .scrobbler.log, a Libre.fm / Last.fm CSV, a Pano Scrobbler export)';

/** The first bytes of a stream, and a stream that gives all of it (those bytes first). Destroying the result destroys the source. */
async function peek(stream: Readable, max: number): Promise<{ head: Buffer; complete: boolean; rest: Readable }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  await new Promise<void>((resolve, reject) => {
    const done = () => { stream.off('data', onData); stream.off('end', onEnd); stream.off('error', onError); };
    const onData = (chunk: Buffer) => { chunks.push(chunk); size += chunk.length; if (size >= max) { stream.pause(); done(); resolve(); } };
    const onEnd = () => { ended = true; done(); resolve(); };
    const onError = (err: Error) => { done(); reject(err); };
    stream.on('data', onData); stream.once('end', onEnd); stream.once('error', onError);
  });
  const head = Buffer.concat(chunks, size);
  const rest = new PassThrough({ highWaterMark: 1 << 20 });
  rest.once('close', () => { if (!stream.destroyed) stream.destroy(); });
  stream.once('error', (err) => rest.destroy(err));
  rest.write(head);
  if (ended) rest.end(); else stream.pipe(rest);
  return { head: head.subarray(0, max), complete: ended, rest };
}

/** The first bytes of a file on disk. */
async function headOfFile(file: string): Promise<{ head: Buffer; complete: boolean }> {
  const fh = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    return { head: buffer.subarray(0, bytesRead), complete: bytesRead < SNIFF_BYTES };
  } finally {
    await fh.close();
  }
}

/** Whether a file found in a folder or zip (not named as Spotify history) holds listening history, by its first bytes. */
function isHistory(head: Buffer, complete: boolean): boolean {
  const sniffed = sniffFormat(head, complete);
  return sniffed !== null && looksLikeHistory(sniffed, head);
}

/**
 * Expands what the user gave (files, folders, zips) into history inputs. Folders are searched
 * recursively for history files and zips. Files given by name are taken whatever they hold (the
 * importer reports what they are not); inside a folder or zip, a file not named as Spotify history is
 * taken only when its first bytes are listening history. A 0-byte file is an error here, before anything is read.
 * @throws ImportFileError for a missing path, an empty file, or a folder or zip without history files.
 */
export async function* historyInputs(paths: string[], onBytes: (n: number) => void = () => {}): AsyncGenerator<HistoryInput> {
  for (const given of paths) {
    let info;
    try { info = await stat(given); } catch (err) {
      throw new ImportFileError(given, 'no such file or folder', undefined, { cause: err });
    }
    const folder = info.isDirectory();
    const files = folder ? await walk(given) : [given];
    let taken = 0;
    for (const file of files) {
      const size = (await stat(file)).size;
      if (size === 0) {
        if (folder && !HISTORY_FILE_RE.test(file)) continue;
        throw new ImportFileError(file, 'empty file (0 bytes)');
      }
      if (await isZip(file)) {
        let fromZip = 0;
        const entries = zipEntries(file, onBytes);
        for await (const entry of entries) {
          if (HISTORY_FILE_RE.test(entry.name)) {
            fromZip++;
            yield { name: entry.name, size: entry.size, open: () => entry.stream };
            continue;
          }
          const { head, complete, rest } = await peek(entry.stream, SNIFF_BYTES);
          if (!isHistory(head, complete)) { rest.destroy(); continue; }
          fromZip++;
          yield { name: entry.name, size: entry.size, open: () => rest };
        }
        if (fromZip === 0) throw new ImportFileError(file, `the zip holds ${NO_HISTORY}`);
        taken += fromZip;
      } else {
        if (folder && !HISTORY_FILE_RE.test(file)) {
          const { head, complete } = await headOfFile(file);
          if (!isHistory(head, complete)) continue;
        }
        taken++;
        yield {
          name: file, size,
          // A counting Transform, not a 'data' listener: that would start the flow before the consumer reads.
          // 4 MiB reads: the file is staged while the one before it is applied, and each read and write waits for
          // a turn of the busy event loop (an export file in 3 reads, where 256 KiB reads left it half staged).
          open: () => createReadStream(file, { highWaterMark: STAGE_READ_BYTES }).pipe(new Transform({
            transform(chunk: Buffer, _encoding, callback) { onBytes(chunk.length); callback(null, chunk); },
          })),
        };
      }
    }
    if (folder && taken === 0) throw new ImportFileError(given, `the folder holds ${NO_HISTORY}`);
  }
}

/** Total bytes of the given paths (for progress bars). */
export async function totalBytes(paths: string[]): Promise<number> {
  let total = 0;
  for (const given of paths) {
    try {
      const info = await stat(given);
      total += info.isDirectory() ? (await Promise.all((await walk(given)).map(async (f) => (await stat(f)).size))).reduce((a, b) => a + b, 0) : info.size;
    } catch { total += 0; } // a missing path is reported by historyInputs
  }
  return total;
}
