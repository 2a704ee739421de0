import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import type { Logger } from '../log.js';
import { createTimeZoneMath, type TimeZoneMath } from '../time.js';
import { migrate } from './schema.js';
import { createSql } from './sql.js';
import { createCatalog, type Catalog } from './catalog.js';
import { createStreams, type Streams } from './streams.js';
import { createLibrary } from './library.js';
import { openJournal, type Journal, type JournalRecord } from './journal.js';
import { writeSnapshot, readSnapshot, quarantine, removeTemp } from './snapshot.js';

export type { JournalRecord } from './journal.js';
export type { StreamFields, Candidate } from './streams.js';
export type { TrackRef } from './catalog.js';
export type { Sql, Row } from './sql.js';
export { STREAM_ROW_SELECT, SESSION_GAP_MS, EARLY_SKIP_MS, KIND_CODE, SOURCE_BIT, sourcesOf } from './streams.js';
export { CONTENT_CODE } from './catalog.js';
export { FILE_STATUS, FEATURE_COLUMNS, MATCH_DURATION_MS } from './library.js';
export type { Library } from './library.js';
export { nameKey, trackNameKey } from './names.js';

/** File name of the sql.js snapshot inside data_dir. */
export const SNAPSHOT_FILE = 'vibescope.db';

export interface StoreDeps {
  /** Folder for the snapshot and the journal; null keeps everything in memory (tests). */
  dataDir: string | null;
  /** IANA zone of the local_day / local_hour buckets. */
  timeZone: string;
  log: Logger;
  now?: () => number;
  /** Compaction trigger: journal records since the last snapshot (research/sqljs-store.md §6.1). */
  maxJournalRecords?: number;
}

/** What start-up found, for the log and /api/v1/health. */
export interface StoreRecovery {
  /** 'snapshot' | 'previous-snapshot' | 'empty' */
  loaded_from: string;
  /** Snapshots moved aside because they failed to load or failed PRAGMA quick_check. */
  quarantined: string[];
  journal_records_pending: number;
  torn_lines: number;
}

let sqlJsPromise: Promise<SqlJsStatic> | null = null;
/** Loads the sql.js WebAssembly module once per process. */
function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJsPromise ??= initSqlJs();
  return sqlJsPromise;
}

/** Opens a snapshot's bytes and runs PRAGMA quick_check; throws when either fails. */
function openChecked(SQL: SqlJsStatic, bytes: Uint8Array): Database {
  const db = new SQL.Database(bytes);
  try {
    const result = db.exec('PRAGMA quick_check')[0]?.values[0]?.[0];
    if (result !== 'ok') throw new Error(`quick_check: ${String(result)}`);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Opens the store (ARCHITECTURE.md "Store rules"): loads the newest snapshot that passes
 * `PRAGMA quick_check` (a bad one is moved aside, never overwritten, and the previous one used), runs
 * migrations, opens a fresh journal file. Journal records newer than the snapshot are returned by
 * {@link Store.pendingRecords} for ingest to replay.
 * A snapshot that cannot be loaded is never fatal: when none is usable, the journals alone are replayed
 * (logged at error, listed in `recovery.quarantined`).
 * @throws Error only when the data folder itself cannot be created or read.
 */
export async function openStore({ dataDir, timeZone, log, now = Date.now, maxJournalRecords = 2000 }: StoreDeps) {
  const SQL = await loadSqlJs();
  const snapshotFile = dataDir ? path.join(dataDir, SNAPSHOT_FILE) : null;
  const recovery: StoreRecovery = { loaded_from: 'empty', quarantined: [], journal_records_pending: 0, torn_lines: 0 };
  let db: Database | null = null;
  if (dataDir && snapshotFile) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await removeTemp(snapshotFile);
    for (const [file, label] of [[snapshotFile, 'snapshot'], [`${snapshotFile}.prev`, 'previous-snapshot']] as const) {
      let bytes: Uint8Array | null;
      try {
        bytes = await readSnapshot(file);
      } catch (err) {
        log.error({ err, file }, 'store: snapshot unreadable');
        recovery.quarantined.push(await quarantine(file, now()));
        continue;
      }
      if (!bytes) continue;
      try {
        db = openChecked(SQL, bytes);
        recovery.loaded_from = label;
        break;
      } catch (err) {
        const moved = await quarantine(file, now());
        recovery.quarantined.push(moved);
        log.error({ err, file, moved_to: moved }, 'store: snapshot failed its check and was moved aside');
      }
    }
    if (!db && recovery.quarantined.length > 0) {
      log.error({ quarantined: recovery.quarantined }, 'store: no usable snapshot; starting from the journals alone');
    }
  }
  db ??= new SQL.Database();
  const migrated = migrate(db);
  const sql = createSql(db);
  const tz = createTimeZoneMath(timeZone);
  const catalog = createCatalog(sql, now);
  const streams = createStreams(sql, catalog, tz);
  const library = createLibrary(sql, now);

  const getMeta = (key: string) => sql.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [key])?.value;
  const setMeta = (key: string, value: string) =>
    sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);

  if (getMeta('time_zone') !== timeZone) {
    if (getMeta('time_zone') !== undefined) log.info({ from: getMeta('time_zone'), to: timeZone }, 'store: time zone changed, rebuilding rollups');
    db.exec('BEGIN');
    streams.rebuildRollups();
    setMeta('time_zone', timeZone);
    db.exec('COMMIT');
  }

  let snapshotSeq = Number(getMeta('journal_seq') ?? 0);
  let lastSnapshotAt: number | null = getMeta('snapshot_at') ? Number(getMeta('snapshot_at')) : null;
  let snapshotBytesWritten = 0;
  const journal: Journal | null = dataDir ? await openJournal(path.join(dataDir, 'journal'), log) : null;
  let pending: JournalRecord[] = [];
  if (journal) {
    const read = await journal.readAfter(snapshotSeq);
    pending = read.records;
    recovery.journal_records_pending = read.records.length;
    recovery.torn_lines = read.torn;
  }
  log.info({ ...recovery, schema_from: migrated.from, schema_to: migrated.to }, 'store opened');

  // One writer at a time: ingest batches, imports and compaction queue here.
  let queue: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = queue.then(fn);
    queue = run.catch(() => undefined);
    return run;
  }

  let inTransaction = false;
  /** Runs `fn` in one write transaction; rollups are flushed before COMMIT; ROLLBACK on a throw. */
  function transaction<T>(fn: () => T): T {
    if (inTransaction) return fn();
    db!.exec('BEGIN');
    inTransaction = true;
    try {
      const result = fn();
      streams.flush();
      db!.exec('COMMIT');
      return result;
    } catch (err) {
      db!.exec('ROLLBACK');
      streams.discard();
      catalog.reload();
      throw err;
    } finally {
      inTransaction = false;
    }
  }

  /** Like {@link transaction} for work that awaits between writes; run it inside {@link exclusive}. */
  async function transactionAsync<T>(fn: () => Promise<T>): Promise<T> {
    if (inTransaction) throw new Error('transactionAsync: a transaction is already open');
    db!.exec('BEGIN');
    inTransaction = true;
    try {
      const result = await fn();
      streams.flush();
      db!.exec('COMMIT');
      return result;
    } catch (err) {
      db!.exec('ROLLBACK');
      streams.discard();
      catalog.reload();
      throw err;
    } finally {
      inTransaction = false;
    }
  }

  let savepoints = 0;
  /**
   * Runs `fn` inside a SAVEPOINT of the open transaction: its writes (rollups included) are kept on
   * success and undone on a throw, leaving the rest of the transaction intact.
   */
  async function savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `sp${++savepoints}`;
    streams.flush();
    db!.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      streams.flush();
      db!.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      streams.discard();
      catalog.reload();
      db!.exec(`ROLLBACK TO ${name}`);
      db!.exec(`RELEASE ${name}`);
      throw err;
    }
  }

  /**
   * Compaction (research/sqljs-store.md §6.3): rotate the journal, record its sequence in meta, export,
   * write the snapshot safely (the old one becomes `.prev`), then delete journals the `.prev` snapshot
   * no longer needs. Call through {@link exclusive}.
   */
  async function compactNow(reason: string): Promise<{ bytes: number; ms: number }> {
    if (!journal || !snapshotFile) return { bytes: 0, ms: 0 };
    const started = performance.now();
    const closedSeq = await journal.rotate();
    setMeta('journal_seq', String(closedSeq));
    setMeta('snapshot_at', String(now()));
    let bytes: Uint8Array | null = db!.export();
    const size = bytes.byteLength;
    await writeSnapshot(bytes, snapshotFile);
    bytes = null;
    const previousSeq = snapshotSeq;
    snapshotSeq = closedSeq;
    lastSnapshotAt = now();
    snapshotBytesWritten += size;
    await journal.deleteUpTo(previousSeq);
    const ms = Math.round(performance.now() - started);
    log.info({ reason, bytes: size, duration_ms: ms, journal_seq: closedSeq }, 'store: snapshot written');
    return { bytes: size, ms };
  }

  /** Appends records to the journal and waits for fdatasync. No-op for an in-memory store. */
  async function journalAppend(records: JournalRecord[]): Promise<void> {
    if (journal) await journal.append(records);
  }

  async function info() {
    let snapshotBytes = 0;
    if (snapshotFile) {
      try { snapshotBytes = (await stat(snapshotFile)).size; } catch { snapshotBytes = 0; } // none written yet
    }
    return {
      snapshot_bytes: snapshotBytes,
      last_snapshot_at: lastSnapshotAt,
      journal_records: journal?.pending ?? 0,
      journal_bytes_written: journal?.bytesWritten ?? 0,
      snapshot_bytes_written: snapshotBytesWritten,
      recovery,
    };
  }

  let closed = false;
  /** Waits for queued writes, compacts if the journal holds anything, closes. Idempotent. */
  async function close(options: { compact?: boolean } = {}): Promise<void> {
    if (closed) return;
    closed = true;
    await exclusive(async () => {
      if (options.compact && journal && journal.pending > 0) await compactNow('shutdown');
      await journal?.close();
    });
    sql.freeAll();
    db!.close();
  }

  return {
    sql, catalog, streams, library, tz, recovery,
    exclusive, transaction, transactionAsync, savepoint, journalAppend, info, close, getMeta, setMeta,
    /** Records journaled after the loaded snapshot; ingest replays them once at start-up. */
    pendingRecords(): JournalRecord[] { const out = pending; pending = []; return out; },
    /** True when the journal has grown past the compaction trigger. */
    needsCompaction(): boolean { return (journal?.pending ?? 0) >= maxJournalRecords; },
    /** Compacts now; call through exclusive(). */
    compactNow,
    /** Journal records since the last snapshot. */
    get journalPending(): number { return journal?.pending ?? 0; },
    get persistent(): boolean { return journal !== null; },
  };
}

/** The open store. */
export type Store = Awaited<ReturnType<typeof openStore>>;
export type { Catalog, Streams, TimeZoneMath };
