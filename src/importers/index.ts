import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { chain } from 'stream-chain';
import { parser } from 'stream-json';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import type { Logger } from '../log.js';
import type { Bus } from '../bus.js';
import type { Ingest, ImportScope } from '../ingest/index.js';
import { classify } from '../ingest/index.js';
import { ImportFileError, VibescopeError } from '../errors.js';
import type { ImportProgress, IncomingStream } from '../types.js';
import { historyInputs, totalBytes, type HistoryInput } from './sources.js';
import { detectFormat, fromAccountRow, fromExtendedRow, KNOWN_FIELDS, type RowFormat } from './rows.js';

export { HISTORY_FILE_RE } from './sources.js';

/**
 * Files up to this size are parsed with JSON.parse (fast); larger ones are streamed with stream-json
 * so memory stays bounded. Spotify splits exports into files of about 12 MB.
 */
const WHOLE_FILE_MAX_BYTES = 48 * 1024 * 1024;

/** The rows of one history file, in order, whatever its size. */
async function* rowsOf(input: HistoryInput): AsyncGenerator<{ key: number; value: unknown }> {
  if (input.size > 0 && input.size <= WHOLE_FILE_MAX_BYTES) {
    const chunks: Buffer[] = [];
    for await (const chunk of input.open()) chunks.push(chunk as Buffer);
    let data: unknown;
    try {
      data = JSON.parse(Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, ''));
    } catch (err) {
      throw new Error(`not valid JSON (truncated or damaged): ${(err as Error).message}`, { cause: err });
    }
    if (!Array.isArray(data)) throw new Error('Top-level object should be an array.');
    for (let key = 0; key < data.length; key++) yield { key, value: data[key] };
    return;
  }
  const pipeline = chain([input.open(), parser({ streamValues: false }), streamArray()]);
  yield* pipeline as AsyncIterable<{ key: number; value: unknown }>;
}

/** Rows applied per batch (one candidate window per group inside it). */
const BATCH_ROWS = 2000;
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
  /** the first rejected rows: 0-based index in the file's array and the reason */
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
}

export interface ImportOptions {
  account: string;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImporterDeps { ingest: Ingest; bus: Bus; log: Logger }

function emptyReport(file: string): FileReport {
  return { file, format: null, rows_read: 0, streams_stored: 0, plays: 0, skips: 0, merged_duplicates: 0,
    already_imported: 0, rows_rejected: 0, rejected: [], unknown_fields: [], error: null };
}

/** Turns a stream-json error into words a person understands. */
function parseErrorMessage(err: Error, rowsSeen: number): string {
  if (/Top-level object should be an array/i.test(err.message)) return 'expected a JSON array of streams at the top level';
  if (err.message.startsWith('not valid JSON')) return err.message;
  return `not valid JSON (truncated or damaged) after ${rowsSeen} row(s): ${err.message}`;
}

/**
 * Imports Spotify privacy exports (extended streaming history and account data; zip, folder or JSON
 * files) through ingest. Streams the JSON (stream-json): memory stays bounded whatever the file size.
 */
export function createImporter({ ingest, bus, log }: ImporterDeps) {
  async function importInput(input: HistoryInput, account: string, scope: ImportScope, onRows: (n: number) => void): Promise<FileReport> {
    const report = emptyReport(input.name);
    const unknown = new Set<string>();
    let batch: IncomingStream[] = [];
    const flush = () => {
      if (batch.length === 0) return;
      const result = scope.apply(batch);
      report.streams_stored += result.inserted.length;
      report.merged_duplicates += result.merged.length;
      report.already_imported += result.duplicates;
      batch = [];
    };
    const reject = (index: number, reason: string) => {
      report.rows_rejected++;
      if (report.rejected.length < MAX_LISTED_REJECTIONS) report.rejected.push({ index, reason });
    };
    try {
      await scope.file(async () => {
        try {
          for await (const item of rowsOf(input)) {
            const { key: index, value } = item;
            report.rows_read++;
            report.format ??= detectFormat(value);
            if (!report.format) { reject(index, 'not a Spotify streaming-history row (no ts/ms_played or endTime/msPlayed)'); continue; }
            const known = KNOWN_FIELDS[report.format];
            if (typeof value === 'object' && value !== null) for (const k of Object.keys(value)) if (!known.has(k)) unknown.add(k);
            const result = report.format === 'extended' ? fromExtendedRow(value, account) : fromAccountRow(value, report.format, account);
            if (!result.ok) { reject(index, result.reason); continue; }
            const r = result.record;
            const kind = classify(r.track.content, r.ms_played, r.skipped ?? null, r.reason_end ?? null);
            if (kind === 'play') report.plays++; else if (kind === 'skip') report.skips++;
            batch.push(r);
            if (batch.length >= BATCH_ROWS) { flush(); onRows(BATCH_ROWS); await yieldToLoop(); }
          }
        } catch (err) {
          throw new ImportFileError(input.name, parseErrorMessage(err as Error, report.rows_read), undefined, { cause: err });
        }
        flush();
        if (report.rows_read - report.rows_rejected === 0) {
          throw new ImportFileError(input.name, report.rows_read === 0
            ? 'the file holds no rows'
            : `none of its ${report.rows_read} rows is a valid stream (first: row ${report.rejected[0]?.index}: ${report.rejected[0]?.reason})`);
        }
      });
    } catch (err) {
      const message = err instanceof VibescopeError ? err.message : `${input.name}: ${(err as Error).message}`;
      log.warn({ file: input.name, err }, 'import: file failed, nothing of it stored');
      return { ...emptyReport(input.name), format: report.format, rows_read: report.rows_read, error: message,
        rows_rejected: report.rows_rejected, rejected: report.rejected };
    }
    report.unknown_fields = [...unknown].sort();
    return report;
  }

  /**
   * Imports every history file under `paths` into `account`. Each file is atomic (all its valid rows
   * or none); the whole job is made durable by one snapshot before this resolves.
   * @returns the report; `ok` is false when nothing valid was found (an import that stores nothing is an error).
   */
  async function importPaths(paths: string[], { account, onProgress }: ImportOptions, jobId: string = randomUUID()): Promise<ImportReport> {
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
    await ingest.importTransaction(async (scope) => {
      for (const given of paths) {
        try {
          for await (const input of historyInputs([given], (n) => { progress.bytes_done += n; emit(); })) {
            const report = await importInput(input, account, scope, (n) => { progress.rows_read += n; emit(); });
            files.push(report);
            progress.files_done = files.length;
            progress.files_total = Math.max(progress.files_total, files.length);
            emit(true);
          }
        } catch (err) {
          const message = (err as Error).message;
          files.push({ ...emptyReport(given), error: message });
          log.warn({ path: given, err }, 'import: input failed');
        }
      }
    });
    const sum = (pick: (f: FileReport) => number) => files.reduce((a, f) => a + pick(f), 0);
    const totals = {
      rows_read: sum((f) => f.rows_read), streams_stored: sum((f) => f.streams_stored), plays: sum((f) => f.plays),
      skips: sum((f) => f.skips), merged_duplicates: sum((f) => f.merged_duplicates),
      already_imported: sum((f) => f.already_imported), rows_rejected: sum((f) => f.rows_rejected),
      files_failed: files.filter((f) => f.error !== null).length,
    };
    const valid = totals.streams_stored + totals.merged_duplicates + totals.already_imported;
    const error = valid > 0 ? null : files.length === 0 ? 'no history files found'
      : `nothing imported: ${files.filter((f) => f.error).map((f) => f.error).join('; ') || 'no valid rows'}`;
    progress.state = error ? 'failed' : 'done';
    progress.rows_read = totals.rows_read;
    progress.bytes_done = progress.bytes_total;
    emit(true);
    log.info({ account, ...totals, ok: !error }, 'import finished');
    return { account, ok: !error, error, files, totals };
  }

  /** Background jobs for the REST API: id → state and, once finished, the report. */
  const jobs = new Map<string, { progress: ImportProgress; report: ImportReport | null; error: string | null }>();

  /** Starts an import in the background; returns the job id. `cleanup` runs when it ends (temp uploads). */
  function startJob(paths: string[], account: string, cleanup?: () => Promise<void>): string {
    const id = randomUUID();
    const job = { progress: { job_id: id, state: 'running', files_done: 0, files_total: paths.length, rows_read: 0,
      bytes_done: 0, bytes_total: 0 } as ImportProgress, report: null as ImportReport | null, error: null as string | null };
    jobs.set(id, job);
    if (jobs.size > 50) jobs.delete(jobs.keys().next().value!);
    importPaths(paths, { account, onProgress: (p) => { job.progress = p; } }, id)
      .then((report) => { job.report = report; job.progress = { ...job.progress, state: report.ok ? 'done' : 'failed' }; })
      .catch((err: Error) => {
        job.error = err.message;
        job.progress = { ...job.progress, state: 'failed' };
        log.error({ err, job_id: id }, 'import job failed');
      })
      .finally(() => cleanup?.().catch((err: Error) => log.warn({ err }, 'import: cleanup failed')));
    return id;
  }

  return { importPaths, startJob, job: (id: string) => jobs.get(id) };
}

/** The importer instance. */
export type Importer = ReturnType<typeof createImporter>;
