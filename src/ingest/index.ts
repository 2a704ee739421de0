import type { Logger } from '../log.js';
import type { Bus } from '../bus.js';
import type { Store, JournalRecord } from '../store/index.js';
import type { IncomingStream, StreamRow } from '../types.js';
import { identityKey, findSameStream, fieldsFromRecord, mergeFields, CandidateIndex, SAME_STREAM_MINUTE_MS } from './same-stream.js';

export { classify, PLAY_MIN_MS, SKIP_REASONS } from './classify.js';
export { SAME_STREAM_MS, SAME_STREAM_MINUTE_MS } from './same-stream.js';

/** What one batch did. */
export interface ApplyResult {
  /** ids of new streams */
  inserted: number[];
  /** ids of stored streams that absorbed a record from another source */
  merged: number[];
  /** records already recorded before (identical source record) */
  duplicates: number;
}

/** What {@link Ingest.record} resolves to. */
export interface RecordResult {
  inserted: StreamRow[];
  merged: StreamRow[];
  duplicates: number;
}

/** What an import gets inside its transaction. */
export interface ImportScope {
  /** Applies a batch of records (no journal: the import is made durable by a snapshot at the end). */
  apply(records: IncomingStream[]): ApplyResult;
  /** Runs the work for one file atomically: all of its rows, or none if it throws. */
  file<T>(work: () => Promise<T>): Promise<T>;
}

export interface IngestDeps { store: Store; bus: Bus; log: Logger }

/** Records closer than this in time share one candidate lookup (a listening session, roughly). */
const GROUP_GAP_MS = 30 * 60_000;
/** … up to this many records, so matching inside a group stays cheap. */
const GROUP_MAX = 400;

/**
 * The ONE path by which every stream enters (ARCHITECTURE.md "Data flow"): normalize → merge same
 * streams (PRODUCT.md "same stream") → journal (fdatasync) → store → bus.
 */
export function createIngest({ store, bus, log }: IngestDeps) {
  /**
   * Applies records to the store inside the current transaction. Idempotent: a record whose identity
   * key is known is a duplicate. Records are matched against stored streams (and each other) nearest first.
   */
  function applyRecords(records: IncomingStream[]): ApplyResult {
    const result: ApplyResult = { inserted: [], merged: [], duplicates: 0 };
    const byAccount = new Map<string, IncomingStream[]>();
    for (const r of records) {
      const list = byAccount.get(r.account);
      if (list) list.push(r); else byAccount.set(r.account, [r]);
    }
    for (const [account, list] of byAccount) {
      const accountId = store.catalog.accountId(account);
      const sorted = [...list].sort((a, b) => a.ended_at - b.ended_at);
      let start = 0;
      while (start < sorted.length) {
        let end = start + 1;
        while (end < sorted.length && end - start < GROUP_MAX && sorted[end]!.ended_at - sorted[end - 1]!.ended_at <= GROUP_GAP_MS) end++;
        applyGroup(accountId, sorted.slice(start, end), result);
        start = end;
      }
    }
    return result;
  }

  function applyGroup(accountId: number, group: IncomingStream[], result: ApplyResult): void {
    const lo = group[0]!.ended_at - SAME_STREAM_MINUTE_MS;
    const hi = group.at(-1)!.ended_at + SAME_STREAM_MINUTE_MS;
    const candidates = new CandidateIndex(store.streams.candidates(accountId, lo, hi));
    for (const r of group) {
      const track = store.catalog.track(r.track, r.source === 'poll' || r.source === 'player');
      const key = identityKey(r, accountId);
      const match = findSameStream(candidates, r, track);
      const target = match ? match.id : store.streams.nextId();
      // The identity key goes in first: if it was there, this exact record was recorded before.
      if (!store.streams.claimKey(key, target)) { result.duplicates++; continue; }
      if (match) {
        const merged = mergeFields(match, r, track);
        store.streams.update(match.id, match, merged);
        candidates.replace(match, { ...match, ...merged, track_uri: match.track_uri ?? track.uri });
        if (!result.inserted.includes(match.id) && !result.merged.includes(match.id)) result.merged.push(match.id);
      } else {
        const fields = fieldsFromRecord(r, accountId, track);
        store.streams.insert(fields, target);
        candidates.add({ ...fields, id: target, track_uri: track.uri, name_key: track.name_key });
        result.inserted.push(target);
      }
    }
  }

  function announce(result: ApplyResult): RecordResult {
    const inserted = store.streams.rowsByIds(result.inserted);
    const merged = store.streams.rowsByIds(result.merged);
    for (const row of inserted) {
      if (row.kind === 'play') bus.emit('play.recorded', row);
      else if (row.kind === 'skip') bus.emit('skip.detected', row);
      else bus.emit('stream.recorded', row);
    }
    for (const row of merged) bus.emit('stream.merged', row);
    return { inserted, merged, duplicates: result.duplicates };
  }

  /**
   * Records live streams (poller, player watcher): drops records seen before, journals the rest and
   * waits for fdatasync, applies them in one transaction, then announces them on the bus.
   * Resolves once they are durable; a crash after that loses nothing.
   */
  function record(records: IncomingStream[]): Promise<RecordResult> {
    return store.exclusive(async () => {
      const accountIds = new Map(records.map((r) => [r.account, store.catalog.findAccountId(r.account)]));
      const fresh = records.filter((r) => {
        const accountId = accountIds.get(r.account);
        return accountId === undefined || !store.streams.hasKey(identityKey(r, accountId));
      });
      if (fresh.length === 0) return { inserted: [], merged: [], duplicates: records.length };
      const journalLine: JournalRecord = { v: 1, t: 'streams', records: fresh };
      await store.journalAppend([journalLine]);
      const result = store.transaction(() => applyRecords(fresh));
      result.duplicates += records.length - fresh.length;
      if (store.needsCompaction()) await store.compactNow('journal');
      const announced = announce(result);
      log.debug({ received: records.length, inserted: result.inserted.length, merged: result.merged.length,
        duplicates: result.duplicates }, 'streams recorded');
      return announced;
    });
  }

  /**
   * Runs an import: `fn` gets `apply` (records → result, inside ONE open transaction) and may await
   * between batches. On success the transaction commits and a snapshot makes it durable before this
   * resolves; if `fn` throws, everything it applied is rolled back (nothing half-stored).
   */
  function importTransaction<T>(fn: (scope: ImportScope) => Promise<T>): Promise<T> {
    return store.exclusive(async () => {
      const scope: ImportScope = { apply: applyRecords, file: (work) => store.savepoint(work) };
      const value = await store.transactionAsync(() => fn(scope));
      await store.compactNow('import');
      return value;
    });
  }

  /** Replays journal records newer than the snapshot (start-up); compacts when anything was replayed. */
  async function recover(): Promise<{ records: number; inserted: number; merged: number; duplicates: number }> {
    const lines = store.pendingRecords();
    const totals = { records: 0, inserted: 0, merged: 0, duplicates: 0 };
    if (lines.length === 0) return totals;
    await store.exclusive(async () => {
      store.transaction(() => {
        for (const line of lines) {
          if (line.t !== 'streams' || !Array.isArray(line.records)) {
            log.warn({ type: line.t }, 'journal: unknown record type skipped');
            continue;
          }
          const records = line.records as IncomingStream[];
          const result = applyRecords(records);
          totals.records += records.length;
          totals.inserted += result.inserted.length;
          totals.merged += result.merged.length;
          totals.duplicates += result.duplicates;
        }
      });
      await store.compactNow('replay');
    });
    log.info(totals, 'journal replayed');
    return totals;
  }

  return { record, importTransaction, recover };
}

/** The ingest instance. */
export type Ingest = ReturnType<typeof createIngest>;
