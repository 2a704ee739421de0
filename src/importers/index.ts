import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { Bus } from '../bus.js';
import type { Health } from '../health.js';
import type { Store } from '../store/index.js';
import type { Ingest, ApplyResult } from '../ingest/index.js';
import { IMPORT_BATCH_ROWS } from '../ingest/index.js';
import { ImportFileError, StorageError, VibescopeError } from '../errors.js';
import type { ImportProgress, IncomingStream } from '../types.js';
import { historyInputs, totalBytes, type HistoryInput } from './sources.js';
import { KNOWN_FIELDS, type RowFormat } from './rows.js';
import { stageInput, discardStaged, ImportLimitError, type StagedFile } from './stage.js';
import { rowsOf, formatOf, ParseError, FILE_FORMATS, type FileFormat } from './parse.js';
import { createRowConverter } from './formats/index.js';

export { HISTORY_FILE_RE } from './sources.js';
export { MAX_ROWS_PER_FILE, type FileFormat } from './parse.js';
export type { RowFormat } from './rows.js';
export { fromListenBrainzListen, listenedAtProblem, spotifyTrackUri, mbidOf, LISTEN_MINIMUM_TS } from './formats/index.js';

/** Hard cap on one history file's bytes (a zip entry counted inflated), whatever its header claims. */
export const MAX_FILE_BYTES = 1024 * 1024 * 1024;
/**
 * A job becomes a bulk load (store.beginBulkLoad) once its rows reach this many and, times
 * {@link BULK_SHARE}, the streams stored before it: keeping streams(track_id, ended_at) up to date costs
 * ~5.6 µs a row, building it ~1.2 µs per stored row (sql.js, measured), so it pays from about a quarter.
 */
const BULK_MIN_ROWS = 5000;
const BULK_SHARE = 4;
/** Rejected rows listed one by one per file; past this only the count grows. */
const MAX_LISTED_REJECTIONS = 1000;

/** What happened to one file. */
export interface FileReport {
  file: string;
  format: RowFormat | null;
  rows_read: number;
  /** new streams stored */
  streams_stored: number;
  /** rows of this file that are plays / skips (PRODUCT.md definitions) */
  plays: number;
  skips: number;
  /** rows that were another source's record of a stored stream and were merged into it */
  merged_duplicates: number;
  /** rows recorded before (the same file imported again) */
  already_imported: number;
  rows_rejected: number;
  /**
   * the first rejected rows and why: `index` is the 0-based index in the file's array (JSON), or the
   * 0-based line (JSON lines, CSV, .scrobbler.log: line `index + 1` in an editor)
   */
  rejected: { index: number; reason: string }[];
  /** fields no known export version has (they are ignored) */
  unknown_fields: string[];
  /** set when the whole file failed; then nothing of it was stored */
  error: string | null;
}

/** The result of an import job. */
export interface ImportReport {
  account: string;
  ok: boolean;
  /** Why the job failed (nothing valid to store), or null. */
  error: string | null;
  files: FileReport[];
  totals: { rows_read: number; streams_stored: number; plays: number; skips: number; merged_duplicates: number;
    already_imported: number; rows_rejected: number; files_failed: number };
  /** The first and last ended_at among the file's valid rows, ms (the panel opens Overview on this span); null when none. */
  span: { from: number; to: number } | null;
}

export interface ImportOptions {
  account: string;
  onProgress?: (progress: ImportProgress) => void;
  /** The names the user gave the files (uploads are stored under random names): path → name. */
  displayNames?: ReadonlyMap<string, string>;
}

export interface ImporterDeps {
  store: Store; ingest: Ingest; bus: Bus; log: Logger; health?: Health;
  /** Hard cap on one history file's bytes (default {@link MAX_FILE_BYTES}; tests lower it). */
  maxFileBytes?: number;
}

/**
 * The journal line of one imported file: its staged copy, checked by SHA-256 before it is replayed,
 * and how it was read (`format`, detected from its content; absent in lines before 0.2: a JSON array;
 * `time_zone`: the zone a .scrobbler.log's local times were read in), so a replay reads it the same way.
 */
const importFileRecordSchema = z.object({
  v: z.literal(1),
  t: z.literal('import.file'),
  staged: z.string().regex(/^staged\/\d{8}-[0-9a-f-]{36}\.data$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  account: z.string().min(1).max(64),
  name: z.string().max(4096),
  format: z.enum(FILE_FORMATS as [FileFormat, ...FileFormat[]]).optional(),
  time_zone: z.string().min(1).max(64).optional(),
});

/** A staged copy, or why it could not be made (StorageError, ImportLimitError, …). */
type Staging = { staged: StagedFile } | { error: unknown };
/** One input of a job as the loop holds it: its staging begun (unless Vibescope is stopping), or the path's error. */
type Pending = { given: string; input: HistoryInput; staging?: Promise<Staging> } | { given: string; error: unknown };

/** Every input under `paths`, in order; a path that fails (missing, damaged zip) gives its error and the next path goes on. */
async function* inputsOf(paths: string[], onBytes: (n: number) => void): AsyncGenerator<{ given: string; input: HistoryInput } | { given: string; error: unknown }> {
  for (const given of paths) {
    try {
      for await (const input of historyInputs([given], onBytes)) yield { given, input };
    } catch (error) {
      yield { given, error };
    }
  }
}

/** Waits for a staging and removes what it left (a staged copy that will not be journaled). */
async function discardStaging(staging: Promise<Staging> | undefined): Promise<void> {
  const done = staging ? await staging : null;
  if (done && 'staged' in done) await discardStaged(done.staged).catch(() => undefined); // best effort: compaction removes it later
}

/** Removes the staged copy of an input the loop holds but will not import (a stop, a failure); none for a path's error. */
async function discardPending(item: Pending | null): Promise<void> {
  if (item && 'staging' in item) await discardStaging(item.staging);
}

function emptyReport(file: string): FileReport {
  return { file, format: null, rows_read: 0, streams_stored: 0, plays: 0, skips: 0, merged_duplicates: 0,
    already_imported: 0, rows_rejected: 0, rejected: [], unknown_fields: [], error: null };
}

/** How one file is read: its layout and the zone of local times (a .scrobbler.log). */
interface ReadAs { fileFormat: FileFormat; timeZone: string }

/**
 * Imports listening history through ingest, one file at a time: Spotify privacy exports (extended
 * streaming history, endsong, account data; zip, folder or JSON) and other services' (ListenBrainz,
 * Maloja, Rockbox .scrobbler.log, Libre.fm / Last.fm CSV, Pano Scrobbler, a Vibescope export), each
 * recognised by its content (formats/):
 * 1. the file is copied into the journal folder (staged, fsync'd) while it is read, with hard caps on
 *    bytes and rows whatever a zip header claims; its rows are validated;
 * 2. one journal line names the staged copy and its SHA-256 — from here the file is durable, and a
 *    crash replays it at start-up (losing the newest snapshot cannot lose it either);
 * 3. its rows are applied in batches, each its own transaction, the write lock released between
 *    batches so live plays keep being recorded. Nothing of a file is visible before step 2.
 * A file with no valid row, or one the disk refuses, stores nothing.
 */
export function createImporter({ store, ingest, bus, log, health, maxFileBytes = MAX_FILE_BYTES }: ImporterDeps) {
  /** Parses a staged file: every valid row as a record (in memory only for small files, else counted), the report filled in. */
  async function parseStaged(staged: StagedFile, account: string, readAs: ReadAs, report: FileReport, keepRecords: boolean): Promise<{ records: IncomingStream[]; valid: number; span: { from: number; to: number } | null }> {
    const records: IncomingStream[] = [];
    const unknown = new Set<string>();
    const converter = createRowConverter({ ...readAs, account });
    let valid = 0;
    let from = Infinity; let to = -Infinity;
    for await (const rows of rowsOf(staged, readAs.fileFormat)) for (let i = 0; i < rows.length; i++) {
      const index = rows.key(i);
      const value = rows.take(i); // before the count: a row that is not JSON is not one read
      report.rows_read++;
      const result = converter.convert(value);
      report.format = converter.format;
      const known = converter.format ? KNOWN_FIELDS[converter.format] : undefined;
      if (known && typeof value === 'object' && value !== null) {
        // for…in, not Object.keys: no array per row (a parsed JSON object has no inherited enumerable keys).
        for (const k in value) if (!known.has(k)) unknown.add(k);
      }
      if (!result.ok) {
        report.rows_rejected++;
        if (report.rejected.length < MAX_LISTED_REJECTIONS) report.rejected.push({ index, reason: result.reason });
        continue;
      }
      valid++;
      const kind = ingest.classify(result.record);
      if (kind === 'play') report.plays++; else if (kind === 'skip') report.skips++;
      from = Math.min(from, result.record.ended_at); to = Math.max(to, result.record.ended_at);
      if (keepRecords) records.push(result.record);
      if (report.rows_read % IMPORT_BATCH_ROWS === 0) await yieldToLoop(); // a turn for requests and the next file's staging
    }
    report.unknown_fields = [...unknown].sort();
    return { records, valid, span: valid > 0 ? { from, to } : null };
  }

  /** The valid records of a staged file, batch by batch (streamed from disk for big files). */
  async function* batchesOf(staged: StagedFile, account: string, readAs: ReadAs): AsyncGenerator<IncomingStream[]> {
    const converter = createRowConverter({ ...readAs, account });
    let batch: IncomingStream[] = [];
    for await (const rows of rowsOf(staged, readAs.fileFormat)) for (let i = 0; i < rows.length; i++) {
      const result = converter.convert(rows.take(i));
      if (!result.ok) continue;
      batch.push(result.record);
      if (batch.length >= IMPORT_BATCH_ROWS) { yield batch; batch = []; }
    }
    if (batch.length > 0) yield batch;
  }

  async function applyAll(staged: StagedFile, account: string, readAs: ReadAs, parsed: { records: IncomingStream[] } | null): Promise<ApplyResult> {
    if (parsed) return ingest.applyImported(parsed.records);
    const total: ApplyResult = { inserted: [], merged: [], duplicates: 0 };
    for await (const batch of batchesOf(staged, account, readAs)) {
      const r = await ingest.applyImported(batch);
      total.inserted.push(...r.inserted); total.merged.push(...r.merged); total.duplicates += r.duplicates;
    }
    return total;
  }

  /** A staged file journaled by an earlier run whose rows must be applied again (start-up replay). */
  store.registerRecord('import.file', {
    schema: importFileRecordSchema,
    async apply(line) {
      const dir = store.journalDir;
      if (!dir) return;
      const file = path.join(dir, line.staged);
      const bytes = line.bytes <= 48 * 1024 * 1024 ? await readFile(file) : null;
      const sha = bytes ? createHash('sha256').update(bytes).digest('hex') : await hashFile(file);
      if (sha !== line.sha256) throw new Error(`staged copy of ${line.name} does not match its checksum`);
      const staged: StagedFile = { name: line.staged, path: file, bytes: line.bytes, sha256: sha, buffer: bytes };
      const readAs: ReadAs = { fileFormat: line.format ?? 'json-array', timeZone: line.time_zone ?? store.tz.timeZone };
      for await (const batch of batchesOf(staged, line.account, readAs)) ingest.applyRecords(batch);
    },
  });

  /** Starts copying an input into the journal folder; the promise never rejects (it resolves to the error). */
  function startStaging(input: HistoryInput): Promise<Staging> {
    return stageInput(input.open(), store.journalDir, store.journalSeq, { maxBytes: maxFileBytes })
      .then((staged) => ({ staged }), (error: unknown) => ({ error }));
  }

  /** Imports one input whose staging {@link startStaging} began: parse, journal, apply. */
  async function importInput(input: HistoryInput, staging: Promise<Staging>, account: string, displayName: string,
    beforeApply: (rows: number) => Promise<void>): Promise<{ report: FileReport; span: { from: number; to: number } | null }> {
    const report = emptyReport(displayName);
    let staged: StagedFile | null = null;
    try {
      const done = await staging;
      if ('error' in done) throw done.error;
      staged = done.staged;
      if (staged.bytes === 0) throw new ParseError('the file is empty (0 bytes)');
      const readAs: ReadAs = { fileFormat: (await formatOf(staged)).format, timeZone: store.tz.timeZone };
      const inMemory = staged.buffer !== null;
      const parsed = await parseStaged(staged, account, readAs, report, inMemory);
      staged.buffer = null; // the records are in hand; the bytes are on disk

      if (parsed.valid === 0) {
        throw new ParseError(report.rows_read === 0 ? 'the file holds no rows'
          : `none of its ${report.rows_read} rows is a valid stream (first: row ${report.rejected[0]?.index}: ${report.rejected[0]?.reason})`);
      }
      // A file imported before (every row known) needs no second durable copy: count it, keep nothing.
      if (inMemory && !parsed.records.some((r) => !ingest.isKnown(r))) {
        await discardStaged(staged);
        report.already_imported = parsed.valid;
        return { report, span: parsed.span };
      }
      if (staged.name) {
        await store.journalAppend([{ v: 1, t: 'import.file', staged: staged.name, sha256: staged.sha256, bytes: staged.bytes, account,
          name: displayName, format: readAs.fileFormat, ...(readAs.fileFormat === 'scrobbler-log' ? { time_zone: readAs.timeZone } : {}) }]);
      }
      await beforeApply(parsed.valid);
      const result = await applyAll(staged, account, readAs, inMemory ? parsed : null);
      report.streams_stored = result.inserted.length;
      report.merged_duplicates = result.merged.length;
      report.already_imported = result.duplicates;
      return { report, span: parsed.span };
    } catch (err) {
      if (staged) await discardStaged(staged).catch((e: Error) => log.warn({ err: e }, 'import: could not remove a staged copy'));
      const message = err instanceof StorageError ? err.message
        : err instanceof ParseError || err instanceof ImportLimitError ? `${displayName}: ${err.message}`
          : err instanceof VibescopeError ? err.message : `${displayName}: ${(err as Error).message}`;
      log.warn({ file: input.name, err }, 'import: file failed, nothing of it stored');
      if (err instanceof StorageError) throw Object.assign(err, { file: displayName });
      return { report: { ...emptyReport(displayName), format: report.format, rows_read: report.rows_read, error: message,
        rows_rejected: report.rows_rejected, rejected: report.rejected }, span: null };
    }
  }

  /**
   * Imports every history file under `paths` into `account`. Each file is durable before anything of it
   * is visible, and all of it or none of it is stored. A disk that refuses a write stops the job: the
   * files reported done before it are kept, the failing one stores nothing.
   * @returns the report; `ok` is false when nothing valid was found (an import that stores nothing is an error).
   */
  async function importPaths(paths: string[], { account, onProgress, displayNames }: ImportOptions, jobId: string = randomUUID()): Promise<ImportReport> {
    const nameOf = (p: string) => {
      for (const [stored, shown] of displayNames ?? []) if (p === stored || p.startsWith(`${stored}:`)) return shown + p.slice(stored.length);
      return p;
    };
    const progress: ImportProgress = { job_id: jobId, state: 'running', files_done: 0, files_total: paths.length,
      rows_read: 0, bytes_done: 0, bytes_total: await totalBytes(paths) };
    let lastEmit = 0;
    const emit = (force = false) => {
      const now = Date.now();
      if (!force && now - lastEmit < 200) return;
      lastEmit = now;
      onProgress?.({ ...progress });
      bus.emit('import.progress', { ...progress });
    };
    const files: FileReport[] = [];
    let span: { from: number; to: number } | null = null;
    let storageFailure: StorageError | null = null;
    const release = store.holdCompaction();
    // A job that brings many rows against what is stored loads them as a bulk load: without the secondary indexes and
    // with sessions left for its end (store.beginBulkLoad).
    const storedBefore = store.streams.nextId() - 1;
    let jobRows = 0;
    const bulk: { end: (() => Promise<void>) | null } = { end: null };
    // Each input is staged (copied and fsync'd) while the one before it is applied, so the disk's wait overlaps
    // the work. It starts once that one's journal line is written, so the copy never takes the room the line
    // needs; a zip's next entry can be read then, as the current one is staged (they come in order).
    const inputs = inputsOf(paths, (n) => { progress.bytes_done += n; emit(); })[Symbol.asyncIterator]();
    const stageNext = async (): Promise<Pending | null> => {
      const next = await inputs.next();
      if (next.done) return null;
      const item = next.value;
      return 'input' in item && !stopping ? { ...item, staging: startStaging(item.input) } : item;
    };
    const prefetch: { ahead: Promise<Pending | null> | null } = { ahead: null };
    const beforeApply = async (rows: number) => {
      prefetch.ahead ??= stageNext();
      jobRows += rows;
      if (!bulk.end && jobRows >= BULK_MIN_ROWS && jobRows * BULK_SHARE >= storedBefore) {
        // Only a speed-up: should it fail, the rows go in as for a small job (the file is journaled already).
        bulk.end = await store.beginBulkLoad().catch((err: Error) => { log.warn({ err }, 'import: could not start a bulk load; importing row by row'); return null; });
      }
    };
    /** The next input: the one staged ahead, else read now. */
    const takeNext = (): Promise<Pending | null> => { const next = prefetch.ahead ?? stageNext(); prefetch.ahead = null; return next; };
    let pending: Pending | null = null;
    try {
      pending = await takeNext();
      while (pending) {
        const item: Pending = pending;
        pending = null;
        if ('error' in item) {
          const err = item.error;
          if (err instanceof StorageError) { storageFailure = err; files.push({ ...emptyReport(nameOf(item.given)), error: err.message }); break; }
          const message = err instanceof ImportFileError ? err.message.replace(item.given, nameOf(item.given)) : `${nameOf(item.given)}: ${(err as Error).message}`;
          files.push({ ...emptyReport(nameOf(item.given)), error: message });
          log.warn({ path: item.given, err }, 'import: input failed');
          pending = await takeNext();
          continue;
        }
        if (stopping || !item.staging) {
          if (item.staging) await discardStaging(item.staging);
          // Opened and closed unread: a zip goes on to its next entry only once this one's stream ended.
          else item.input.open().destroy();
          files.push({ ...emptyReport(nameOf(item.input.name)), error: 'not imported: Vibescope was stopping. Import this file again.' });
          log.warn({ file: nameOf(item.input.name) }, 'import: not imported because Vibescope is stopping; import it again');
          pending = await takeNext();
          continue;
        }
        try {
          const { report, span: s } = await importInput(item.input, item.staging, account, nameOf(item.input.name), beforeApply);
          pending = await takeNext();
          files.push(report);
          if (s) span = span ? { from: Math.min(span.from, s.from), to: Math.max(span.to, s.to) } : s;
          progress.files_done = files.length;
          progress.rows_read += report.rows_read;
          progress.files_total = Math.max(progress.files_total, files.length);
          emit(true);
        } catch (err) {
          pending = prefetch.ahead ? await takeNext() : null; // staged ahead of a failure: removed below
          if (!(err instanceof StorageError)) throw err;
          storageFailure = err;
          files.push({ ...emptyReport(nameOf(item.given)), error: err.message });
          break;
        }
      }
    } finally {
      // An input staged ahead of a job that stopped early is never journaled: its copy goes.
      await discardPending(pending);
      await discardPending(prefetch.ahead ? await prefetch.ahead : null);
      await inputs.return?.(undefined);
      await bulk.end?.().catch((err: Error) => log.error({ err }, 'import: could not build the indexes or sessions again; the next snapshot tries again (the journal keeps everything meanwhile)'));
      await release();
    }
    // While stopping the snapshot is left to the store's close (the journal holds the files meanwhile).
    if (!storageFailure && !stopping && files.some((f) => f.streams_stored + f.merged_duplicates > 0)) {
      await store.exclusive(() => store.compactNow('import')).catch((err: Error) => log.warn({ err }, 'import: snapshot after the import failed; the journal keeps it'));
    }
    const sum = (pick: (f: FileReport) => number) => files.reduce((a, f) => a + pick(f), 0);
    const totals = {
      rows_read: sum((f) => f.rows_read), streams_stored: sum((f) => f.streams_stored), plays: sum((f) => f.plays),
      skips: sum((f) => f.skips), merged_duplicates: sum((f) => f.merged_duplicates),
      already_imported: sum((f) => f.already_imported), rows_rejected: sum((f) => f.rows_rejected),
      files_failed: files.filter((f) => f.error !== null).length,
    };
    const valid = totals.streams_stored + totals.merged_duplicates + totals.already_imported;
    const error = storageFailure ? storageFailure.message : valid > 0 ? null : files.length === 0 ? 'no history files found'
      : `nothing imported: ${files.filter((f) => f.error).map((f) => f.error).join('; ') || 'no valid rows'}`;
    if (error) health?.report('import', { code: storageFailure?.code ?? 'IMPORT_FAILED', dismissible: true, message: `The last import failed: ${error}` });
    else health?.clear('import');
    progress.state = error ? 'failed' : 'done';
    progress.rows_read = totals.rows_read;
    progress.bytes_done = progress.bytes_total;
    emit(true);
    log.info({ account, ...totals, ok: !error }, 'import finished');
    return { account, ok: !error, error, files, totals, span };
  }

  /** Background jobs for the REST API: id → state and, once finished, the report. */
  const jobs = new Map<string, { progress: ImportProgress; report: ImportReport | null; error: string | null }>();
  /** Set by stop(): jobs finish the file they are on and skip the rest. */
  let stopping = false;
  const active = new Set<Promise<void>>();

  /** Starts an import in the background; returns the job id. `cleanup` runs when it ends (temp uploads), on every path. */
  function startJob(paths: string[], account: string, cleanup?: () => Promise<void>, displayNames?: ReadonlyMap<string, string>): string {
    const id = randomUUID();
    const job = { progress: { job_id: id, state: 'running', files_done: 0, files_total: paths.length, rows_read: 0,
      bytes_done: 0, bytes_total: 0 } as ImportProgress, report: null as ImportReport | null, error: null as string | null };
    jobs.set(id, job);
    if (jobs.size > 50) jobs.delete(jobs.keys().next().value!);
    const done: Promise<void> = importPaths(paths, { account, displayNames, onProgress: (p) => { job.progress = p; } }, id)
      .then((report) => { job.report = report; job.progress = { ...job.progress, state: report.ok ? 'done' : 'failed' }; })
      .catch((err: Error) => {
        job.error = err instanceof VibescopeError ? err.message : 'The import stopped because of an internal error; see the log.';
        job.progress = { ...job.progress, state: 'failed' };
        log.error({ err, job_id: id }, 'import job failed');
      })
      .finally(() => cleanup?.().catch((err: Error) => log.warn({ err }, 'import: cleanup failed')))
      .finally(() => { active.delete(done); });
    active.add(done);
    return id;
  }

  /**
   * Stops the running jobs after the file each is on (that file is imported in full; the files not
   * begun are reported and logged as not imported, and a copy of the next one staged ahead is removed
   * unread) and waits for them and their clean-up, so nothing
   * writes to the data folder once it resolves. Jobs started later skip every file. The flag is set at
   * once: call it early in a shutdown and await it before the store closes.
   */
  async function stop(): Promise<void> {
    stopping = true;
    while (active.size > 0) await Promise.allSettled([...active]);
  }

  /** True while a job is running (the panel disables its import button). */
  const running = () => [...jobs.values()].some((j) => j.progress.state === 'running');

  return { importPaths, startJob, running, stop, job: (id: string) => jobs.get(id) };
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The importer instance. */
export type Importer = ReturnType<typeof createImporter>;
