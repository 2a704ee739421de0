import { access, constants, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { whileLoopAlive } from '../loop.js';
import type { ZodType } from 'zod';
import type { Logger } from '../log.js';
import type { Health } from '../health.js';
import { createTimeZoneMath, type TimeZoneMath } from '../time.js';
import { migrate, migrateModule, type ModuleMigration } from './schema.js';
import { createSql } from './sql.js';
import { createCatalog, type Catalog } from './catalog.js';
import { createStreams, type Streams } from './streams.js';
import { createLibrary } from './library.js';
import { openJournal, type Journal, type JournalRecord, type JournalLine } from './journal.js';
import { writeSnapshot, readSnapshot, quarantine, removeTemp, verifySnapshot } from './snapshot.js';
import { storageError } from './storage-errors.js';

export type { JournalRecord, JournalLine } from './journal.js';
export { SET_ASIDE_FILE, STAGED_DIR } from './journal.js';
export type { ModuleMigration } from './schema.js';
export type { StreamFields, Candidate } from './streams.js';
export type { TrackRef } from './catalog.js';
export type { Sql, Row } from './sql.js';
export { inFixedChunks, placeholders, IN_LIST_MAX } from './sql.js';
export { STREAM_ROW_SELECT, SESSION_GAP_MS, EARLY_SKIP_MS, KIND_CODE, SOURCE_BIT, SOURCES_RICHEST_FIRST, sourcesOf } from './streams.js';
export { CONTENT_CODE } from './catalog.js';
export { FILE_STATUS, FEATURE_COLUMNS, MATCH_DURATION_MS } from './library.js';
export type { Library } from './library.js';
export { nameKey, trackNameKey } from './names.js';
export { storageError, isStorageErrno } from './storage-errors.js';
export { syncDir, writeFully } from './journal.js';
export { acquireDataLock, lockHolder, LOCK_SOCKET, type DataLock, type LockInfo } from './lock.js';

/** SQLite's page cache, KiB (its default is 2000): the pages are in memory already (see openStore). */
const PAGE_CACHE_KIB = 256;
/**
 * V8's full garbage collection, when node runs with `--expose-gc` (the product's flags: src/cli.ts, npm start,
 * the add-on's run script); elsewhere (tests) undefined, and snapshots are written the same without it.
 */
const collectGarbage = (globalThis as { gc?: () => void }).gc;
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
  /** Where recoveries and storage failures are reported (optional in tests). */
  health?: Health;
  /**
   * Open for reading only (`vibescope status`): nothing on disk is created, moved, rewritten or
   * deleted, and no lock is needed. The journal is replayed in memory only.
   */
  readOnly?: boolean;
}

/** What start-up found, for the log and /api/v1/health. */
export interface StoreRecovery {
  /** 'snapshot' | 'previous-snapshot' | 'empty' */
  loaded_from: string;
  /** Snapshots moved aside because they were empty, failed their checksum or PRAGMA quick_check (new names). */
  quarantined: string[];
  journal_records_pending: number;
  torn_lines: number;
  /** Journal lines that could not be replayed and were kept in journal/set-aside.jsonl. */
  set_aside_lines: number;
}

/**
 * A journal record type: its schema (checked before a record is journaled and again before it is
 * replayed) and how to apply it at start-up. `apply` runs inside a transaction of its own; a throw
 * rolls that line back and sets it aside.
 */
export interface RecordHandler<T extends JournalRecord = JournalRecord> {
  schema: ZodType<T>;
  apply(record: T): Promise<void> | void;
}

let sqlJsPromise: Promise<SqlJsStatic> | null = null;
/** Loads the sql.js WebAssembly module once per process (the event loop kept alive meanwhile: loop.ts). */
function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJsPromise ??= whileLoopAlive(initSqlJs());
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
 * Loads the newest usable snapshot: `vibescope.db`, else `vibescope.db.prev`. A file that is empty,
 * fails its checksum or quick_check is moved aside (never overwritten, never loaded as an empty store).
 */
async function loadSnapshot(SQL: SqlJsStatic, file: string, readOnly: boolean, now: number, log: Logger, recovery: StoreRecovery): Promise<Database | null> {
  for (const [candidate, label] of [[file, 'snapshot'], [`${file}.prev`, 'previous-snapshot']] as const) {
    let bytes: Buffer | null;
    try {
      bytes = await readSnapshot(candidate);
    } catch (err) {
      log.error({ err, file: candidate }, 'store: snapshot unreadable');
      if (!readOnly) recovery.quarantined.push(await quarantine(candidate, now));
      continue;
    }
    if (!bytes) continue;
    try {
      const db = openChecked(SQL, verifySnapshot(bytes));
      recovery.loaded_from = label;
      return db;
    } catch (err) {
      const moved = readOnly ? candidate : await quarantine(candidate, now);
      recovery.quarantined.push(moved);
      log.error({ err, file: candidate, moved_to: moved }, 'store: snapshot failed its check and was moved aside');
    }
  }
  return null;
}

/**
 * Opens the store (ARCHITECTURE.md "Store rules"): loads the newest snapshot that passes its
 * checksum and `PRAGMA quick_check` (a bad one is moved aside, never overwritten, and the previous
 * one used), runs migrations, opens the journal. Journal lines newer than the snapshot are applied
 * by {@link Store.replay} once every record type has its handler registered.
 * A snapshot that cannot be loaded is never fatal: when none is usable, the journals alone are replayed
 * (logged at error, listed in `recovery.quarantined`, reported to health).
 * @throws Error only when the data folder itself cannot be created or read.
 */
export async function openStore({ dataDir, timeZone, log, now = Date.now, maxJournalRecords = 2000, health, readOnly = false }: StoreDeps) {
  const SQL = await loadSqlJs();
  const snapshotFile = dataDir ? path.join(dataDir, SNAPSHOT_FILE) : null;
  const recovery: StoreRecovery = { loaded_from: 'empty', quarantined: [], journal_records_pending: 0, torn_lines: 0, set_aside_lines: 0 };
  let db: Database | null = null;
  if (dataDir && snapshotFile) {
    if (!readOnly) {
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      await removeTemp(snapshotFile);
      try {
        await access(dataDir, constants.W_OK);
      } catch (err) {
        // Still open for reading: the history stays visible; every write reports the same sentence.
        const e = storageError(err, 'open');
        health?.report('storage', { code: e.code, message: e.message });
        log.error({ err, data_dir: dataDir }, 'store: the data folder is not writable; serving read-only until it is');
      }
    }
    db = await loadSnapshot(SQL, snapshotFile, readOnly, now(), log, recovery);
    if (recovery.quarantined.length > 0) {
      health?.report('store.snapshot', { code: 'SNAPSHOT_QUARANTINED', dismissible: true, message: db
        ? `A damaged database snapshot was set aside at start-up and the previous one was used; every play recorded since is kept in the journal. Nothing needs doing unless this repeats (then check the disk).`
        : `The database snapshots were damaged and were set aside at start-up; Vibescope rebuilt what the journal holds. Restore a backup if plays are missing, and check the disk.` });
      if (!db) log.error({ quarantined: recovery.quarantined }, 'store: no usable snapshot; starting from the journals alone');
    }
  }
  db ??= new SQL.Database();
  // The whole database already lives in memory (sql.js keeps the file in its in-memory file system), so
  // SQLite's own page cache only duplicates it: keep it small. Sorts and temp b-trees spill to temp
  // files in that file system, which are freed afterwards, instead of growing the WebAssembly heap for good.
  // SQLite's rollback journal stays in memory too (journal_mode MEMORY: ROLLBACK and savepoints work as
  // before): as a file in that file system it was created, grown in 12 % steps (each a copy) and deleted
  // in every transaction, 15 % of an import's CPU. Durability is the store's own journal and snapshots.
  // locking_mode EXCLUSIVE: this connection is the only one on its file, so it keeps its lock instead of
  // taking and dropping it around every statement; in NORMAL mode each statement outside a transaction
  // also checked for a hot journal and re-validated the page cache through the file system's JavaScript
  // (measured: a one-row SELECT by primary key 0.10 → 0.01 ms, a top-50 query 1.3 → 0.25 ms).
  // https://www.sqlite.org/pragma.html#pragma_locking_mode
  db.exec(`PRAGMA cache_size = -${PAGE_CACHE_KIB}; PRAGMA temp_store = FILE; PRAGMA journal_mode = MEMORY; PRAGMA locking_mode = EXCLUSIVE;`);
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
  const journal: Journal | null = dataDir ? await openJournal(path.join(dataDir, 'journal'), log, { floorSeq: snapshotSeq, readOnly }) : null;
  let pending: JournalLine[] = [];
  if (journal) {
    const read = await journal.readAfter(snapshotSeq);
    pending = read.lines;
    recovery.journal_records_pending = read.lines.length;
    recovery.torn_lines = read.torn;
  }
  log.info({ ...recovery, schema_from: migrated.from, schema_to: migrated.to, read_only: readOnly }, 'store opened');

  // One writer at a time: ingest batches, import batches and compaction queue here.
  let queue: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = queue.then(fn);
    queue = run.catch(() => undefined);
    return run;
  }

  let inTransaction = false;
  /**
   * Bumped at every commit that changed streams (inserts, merges, rebuilds): the stats caches key on
   * it. Writes of derived data only (cover art, metadata, story, outbox marks) leave it alone, so they
   * do not empty the caches; a capability that caches reads of its own tables keys on its own version.
   */
  let writeVersion = 0;
  function rollback(): void {
    db!.exec('ROLLBACK');
    streams.discard();
    catalog.reload();
  }
  /** Runs `fn` in one write transaction; rollups are flushed before COMMIT; ROLLBACK on a throw. */
  function transaction<T>(fn: () => T): T {
    if (inTransaction) return fn();
    db!.exec('BEGIN');
    inTransaction = true;
    const changesBefore = streams.changes;
    try {
      const result = fn();
      streams.flush();
      db!.exec('COMMIT');
      if (streams.changes !== changesBefore) writeVersion++;
      return result;
    } catch (err) {
      rollback();
      throw err;
    } finally {
      inTransaction = false;
    }
  }

  /**
   * Like {@link transaction} for work that awaits between writes; run it inside {@link exclusive}.
   * Readers on the event loop see its writes before COMMIT: use it only where no reader runs (start-up replay).
   */
  async function transactionAsync<T>(fn: () => Promise<T>): Promise<T> {
    if (inTransaction) throw new Error('transactionAsync: a transaction is already open');
    db!.exec('BEGIN');
    inTransaction = true;
    const changesBefore = streams.changes;
    try {
      const result = await fn();
      streams.flush();
      db!.exec('COMMIT');
      if (streams.changes !== changesBefore) writeVersion++;
      return result;
    } catch (err) {
      rollback();
      throw err;
    } finally {
      inTransaction = false;
    }
  }

  const handlers = new Map<string, RecordHandler>();
  /** Registers a journal record type (ingest: 'streams'; importers: 'import.file'; …). */
  function registerRecord<T extends JournalRecord>(type: string, handler: RecordHandler<T>): void {
    if (handlers.has(type)) throw new Error(`journal record type "${type}" registered twice`);
    handlers.set(type, handler as unknown as RecordHandler);
  }

  /**
   * Validates records against their registered schemas, then appends them to the journal and waits
   * for fdatasync. No-op for an in-memory store (records are still validated).
   * @throws Error for a record of an unregistered type or one that fails its schema (nothing is written).
   * @throws StorageError when the disk refuses the write (reported to health; nothing is acknowledged).
   */
  async function journalAppend(records: JournalRecord[]): Promise<void> {
    for (const r of records) {
      const handler = handlers.get(r.t);
      if (!handler) throw new Error(`journal: no handler for record type "${r.t}"`);
      const checked = handler.schema.safeParse(r);
      if (!checked.success) throw new Error(`journal: invalid "${r.t}" record: ${checked.error.issues[0]?.path.join('.')}: ${checked.error.issues[0]?.message}`);
    }
    if (!journal) return;
    try {
      await journal.append(records);
    } catch (err) {
      const e = storageError(err, 'journal');
      health?.report('storage', { code: e.code, message: e.message });
      throw e;
    }
    if (health?.has('storage')) {
      // The disk takes writes again: a snapshot proves it and clears the problem.
      void exclusive(() => compactNow('recovery')).catch((err: Error) => log.warn({ err }, 'store: recovery snapshot failed'));
    }
  }

  /** Secondary indexes a capability lets bulk loads drop and build again: name → its CREATE INDEX IF NOT EXISTS statement. */
  const deferrable = new Map<string, string>();
  /** The deferrable indexes a bulk load has dropped and not built again yet. */
  const dropped = new Set<string>();

  /**
   * Registers a secondary index that bulk loads may drop and build again ({@link beginBulkLoad}), and
   * creates it when it is missing (every start: an index is derived and rebuilt from the rows).
   * `create` must be `CREATE INDEX IF NOT EXISTS <name> …`.
   */
  function deferrableIndex(name: string, create: string): void {
    deferrable.set(name, create);
    db!.exec(create);
  }

  /** Builds the dropped indexes again (inside the caller's exclusive section). */
  function rebuildDropped(): void {
    if (dropped.size === 0) return;
    const started = performance.now();
    transaction(() => { for (const name of dropped) db!.exec(deferrable.get(name)!); });
    log.info({ indexes: [...dropped], duration_ms: Math.round(performance.now() - started) }, 'store: indexes built again after a bulk load');
    dropped.clear();
  }

  /** Session windows (account id, from, to in ms) a finished bulk load has still to recompute, oldest first. */
  const sessionWindows: [number, number, number][] = [];
  /** Recomputes the first pending session window in its own transaction; false when none is left (inside exclusive). */
  function recomputeNextWindow(): boolean {
    const next = sessionWindows[0];
    if (!next) return false;
    transaction(() => streams.recomputeWindow(...next));
    sessionWindows.shift(); // only once committed: a failed window is tried again by the next end or snapshot
    return true;
  }
  /** Ends a bulk load's deferrals at once: the dropped indexes built again, every session window recomputed (inside exclusive). */
  function endBulkLoad(): void {
    rebuildDropped();
    sessionWindows.push(...streams.endBulk());
    while (recomputeNextWindow());
  }

  /**
   * Starts a bulk load (a big import). The deferrable indexes are dropped: SQLite then writes each row once
   * instead of also inserting it at a random place of each index, and the index is built once, sorted, at
   * the end (sql.js, 250 000 rows: 1.4 s of index upkeep against 0.3 s to build it). Until then
   * {@link indexReady} is false, and queries that name the index must not. Batches that call
   * `streams.deferSessions()` leave their sessions to the end too. A snapshot is never written in between:
   * compaction ends the load's deferrals first.
   * @returns the function that ends it (call it when the load ends, however it ends): the indexes are built in
   *   one step, the sessions a window at a time, the write lock released in between so live plays go on.
   */
  async function beginBulkLoad(): Promise<() => Promise<void>> {
    await exclusive(() => {
      transaction(() => { for (const name of deferrable.keys()) db!.exec(`DROP INDEX IF EXISTS ${name}`); });
      // Only once the drop is committed (a rollback leaves the indexes, and nothing deferred).
      for (const name of deferrable.keys()) dropped.add(name);
      streams.beginBulk();
    });
    return async () => {
      await exclusive(() => { rebuildDropped(); sessionWindows.push(...streams.endBulk()); });
      while (await exclusive(recomputeNextWindow)) await yieldToLoop();
    };
  }

  let holds = 0;
  let compactionDeferred = false;
  /**
   * Keeps compaction from running until the returned release is called (an import between staging a
   * file and applying its last batch: a snapshot in between would cover its journal line but not all
   * of its rows). Compactions asked for meanwhile run at release.
   */
  function holdCompaction(): () => Promise<void> {
    holds += 1;
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      holds -= 1;
      if (holds === 0 && compactionDeferred) {
        compactionDeferred = false;
        await exclusive(() => compactNow('deferred'));
      }
    };
  }

  /**
   * Compaction (research/sqljs-store.md §6.3): rotate the journal, record its sequence in meta, export,
   * write the snapshot safely (the old one becomes `.prev`), then delete journals the `.prev` snapshot
   * no longer needs. Call through {@link exclusive}. While a hold is active it is deferred.
   * @throws StorageError when the snapshot cannot be written (reported to health; the journal keeps everything).
   */
  async function compactNow(reason: string): Promise<{ bytes: number; ms: number }> {
    if (!journal || !snapshotFile || readOnly) return { bytes: 0, ms: 0 };
    if (holds > 0) { compactionDeferred = true; return { bytes: 0, ms: 0 }; }
    const started = performance.now();
    const closedSeq = await journal.rotate();
    setMeta('journal_seq', String(closedSeq));
    setMeta('snapshot_at', String(now()));
    endBulkLoad(); // a snapshot always holds every index and every session (a bulk load deferred them only for itself)
    // Garbage first: the database file's earlier, smaller copies (sql.js grows it by copying) and staged import
    // files wait for V8's collector as external memory, 40 MB of it after a 250 000-row import, so the export's
    // copy came on top of them (import peak 196 MB, 170 MB with this). A full collection here takes ~20 ms.
    collectGarbage?.();
    let bytes: Uint8Array | null = db!.export();
    const size = bytes.byteLength;
    try {
      const moved = await writeSnapshot(bytes, snapshotFile, now());
      if (moved) {
        recovery.quarantined.push(moved);
        log.error({ moved_to: moved }, 'store: the current snapshot was damaged on disk; moved aside instead of kept as .prev');
        health?.report('store.snapshot', { code: 'SNAPSHOT_QUARANTINED', dismissible: true,
          message: 'A database snapshot was found damaged on disk and was set aside; a fresh one was written. Check the disk if this repeats.' });
      }
    } catch (err) {
      setMeta('journal_seq', String(snapshotSeq));
      const e = storageError(err, 'snapshot');
      health?.report('storage', { code: e.code, message: e.message });
      log.error({ err, reason }, 'store: snapshot write failed; the journal keeps every record');
      throw e;
    }
    bytes = null;
    collectGarbage?.(); // the export's copy (the size of the database) goes back now, not at some later collection
    const previousSeq = snapshotSeq;
    snapshotSeq = closedSeq;
    lastSnapshotAt = now();
    snapshotBytesWritten += size;
    await journal.deleteUpTo(previousSeq);
    health?.clear('storage');
    const ms = Math.round(performance.now() - started);
    log.info({ reason, bytes: size, duration_ms: ms, journal_seq: closedSeq }, 'store: snapshot written');
    return { bytes: size, ms };
  }

  /**
   * Applies the journal lines newer than the snapshot, in order, each in its own transaction (start-up,
   * after every capability registered its record types). A line with an unknown type, one that fails
   * its schema, or one whose apply throws is rolled back and set aside (journal/set-aside.jsonl,
   * logged, health degraded); the rest is kept. Compacts when anything was applied.
   */
  async function replay(): Promise<{ lines: number; applied: number; set_aside: number }> {
    const lines = pending;
    pending = [];
    const totals = { lines: lines.length, applied: 0, set_aside: 0 };
    if (lines.length === 0) return totals;
    await exclusive(async () => {
      for (const line of lines) {
        const handler = handlers.get(line.record.t);
        const checked = handler?.schema.safeParse(line.record);
        let reason: string | null = null;
        if (!handler) reason = `unknown record type "${line.record.t}"`;
        else if (!checked!.success) reason = `invalid "${line.record.t}" record: ${checked!.error.issues[0]?.path.join('.')}: ${checked!.error.issues[0]?.message}`;
        else {
          try {
            await transactionAsync(async () => { await handler.apply(checked!.data as JournalRecord); });
            totals.applied++;
            continue;
          } catch (err) {
            reason = `replay failed: ${(err as Error).message}`;
          }
        }
        totals.set_aside++;
        await journal?.setAside(line, reason);
      }
      recovery.set_aside_lines += totals.set_aside;
      if (totals.set_aside > 0) {
        health?.report('journal.set_aside', { code: 'JOURNAL_LINES_SET_ASIDE', dismissible: true,
          message: `${totals.set_aside} journal ${totals.set_aside === 1 ? 'entry' : 'entries'} could not be replayed at start-up and ${totals.set_aside === 1 ? 'was' : 'were'} kept aside (journal/set-aside.jsonl in the data folder); everything else was restored. Please report this with the log.` });
      }
      // A snapshot that cannot be written is reported (health) and not fatal: the journal keeps everything.
      if (!readOnly) await compactNow('replay').catch((err: Error) => log.warn({ err }, 'store: snapshot after the replay failed'));
    });
    log.info(totals, 'journal replayed');
    return totals;
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
      if (options.compact && journal && journal.pending > 0 && holds === 0) await compactNow('shutdown');
      await journal?.close();
    });
    sql.freeAll();
    db!.close();
  }

  return {
    sql, catalog, streams, library, tz, recovery, readOnly,
    exclusive, transaction, transactionAsync, journalAppend, registerRecord, replay, holdCompaction, info, close, getMeta, setMeta,
    /**
     * Applies a capability's own migrations (its derived tables), tracked per module name in
     * `module_versions`: each runs once, in order, in its own transaction.
     */
    migrateModule: (name: string, migrations: readonly ModuleMigration[]) => migrateModule(db!, name, migrations),
    deferrableIndex, beginBulkLoad,
    /** False while a bulk load has dropped the index `name` ({@link beginBulkLoad}): queries must not name it then. */
    indexReady: (name: string): boolean => !dropped.has(name),
    /** True when the journal has grown past the compaction trigger. */
    needsCompaction(): boolean { return (journal?.pending ?? 0) >= maxJournalRecords; },
    /** Compacts now; call through exclusive(). */
    compactNow,
    /** The journal folder (staged import files live under it), or null in memory. */
    journalDir: journal?.dir ?? null,
    /** The sequence of the journal file being written (staged files are named after it). */
    get journalSeq(): number { return journal?.seq ?? 0; },
    /** Increases at every committed transaction that changed streams (the stats caches' key). */
    get writeVersion(): number { return writeVersion; },
    /** Journal records since the last snapshot. */
    get journalPending(): number { return journal?.pending ?? 0; },
    get persistent(): boolean { return journal !== null; },
  };
}

/** The open store. */
export type Store = Awaited<ReturnType<typeof openStore>>;
export type { Catalog, Streams, TimeZoneMath };
