import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from '../log.js';
import type { Bus } from '../bus.js';
import type { Store } from '../store/index.js';
import { SOURCE_BIT } from '../store/index.js';
import type { IncomingStream, StreamKind, StreamRow } from '../types.js';
import { identityKey, pairNearestFirst, findSameStream, fieldsFromRecord, mergeFields, CandidateIndex, SAME_STREAM_MINUTE_MS,
  SCROBBLE_LOOKAROUND_MS, isScrobbleSource } from './same-stream.js';
import { classify, PLAY_MIN_MS, SKIP_REASONS, SKIP_THRESHOLD_MAX_MS } from './classify.js';
import { streamsRecordSchema } from './schema.js';

export { classify, PLAY_MIN_MS, SKIP_REASONS, SKIP_THRESHOLD_MAX_MS } from './classify.js';
export { SAME_STREAM_MS, SAME_STREAM_MINUTE_MS, SAME_STREAM_SCROBBLE_MS, isScrobbleSource } from './same-stream.js';
export { incomingStreamSchema } from './schema.js';

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

export interface IngestDeps {
  store: Store; bus: Bus; log: Logger;
  /** The skip_threshold_s option in ms (default and maximum 30 000; see classify). */
  skipThresholdMs?: number;
}

/** Records closer than this in time share one candidate lookup (a listening session, roughly). */
const GROUP_GAP_MS = 30 * 60_000;
/** … up to this many records, so matching inside a group stays cheap. */
const GROUP_MAX = 400;
/** Import rows applied per write transaction; the write lock is released between batches. */
export const IMPORT_BATCH_ROWS = 2000;

/**
 * The ONE path by which every stream enters (ARCHITECTURE.md "Data flow"): normalize → merge same
 * streams (PRODUCT.md "same stream") → journal (fdatasync) → store → bus.
 */
export function createIngest({ store, bus, log, skipThresholdMs = SKIP_THRESHOLD_MAX_MS }: IngestDeps) {
  reclassifyIfThresholdChanged();

  /** Streams were classified with another skip_threshold_s: classify them again (SQL) and rebuild the rollups. */
  function reclassifyIfThresholdChanged(): void {
    const stored = store.getMeta('skip_threshold_ms');
    if (stored === String(skipThresholdMs)) return;
    store.transaction(() => {
      if (stored !== undefined) {
        const reasons = [...SKIP_REASONS].map((r) => store.catalog.label(r));
        store.sql.exec(`UPDATE streams SET kind = CASE WHEN content != 0 THEN 0 WHEN ms_played >= ${PLAY_MIN_MS} THEN 1
          WHEN ms_played < ? AND (skipped = 1 OR reason_end IN (${reasons.map(() => '?').join(',')})) THEN 2 ELSE 0 END`, [skipThresholdMs, ...reasons]);
        store.streams.rebuildRollups();
        log.info({ from_ms: Number(stored), to_ms: skipThresholdMs }, 'ingest: skip_threshold_s changed, streams classified again');
      }
      store.setMeta('skip_threshold_ms', String(skipThresholdMs));
    });
  }

  /**
   * Applies records to the store inside the current transaction. Idempotent: a record whose identity
   * key is known is a duplicate. Records are matched against stored streams nearest first.
   */
  function applyRecords(records: IncomingStream[]): ApplyResult {
    const result: ApplyResult = { inserted: [], merged: [], duplicates: 0 };
    const byAccount = new Map<string, IncomingStream[]>();
    for (const r of records) {
      const list = byAccount.get(r.account);
      if (list) list.push(r); else byAccount.set(r.account, [r]);
    }
    const accounts = [...byAccount].map(([account, list]) => {
      const accountId = store.catalog.accountId(account);
      const sorted = [...list].sort((a, b) => a.ended_at - b.ended_at);
      return { accountId, sorted, keys: sorted.map((r) => identityKey(r, accountId)) };
    });
    // The identity keys stored already, looked up for the whole batch at once; each key claimed below is
    // added, so every group sees what the stream_keys table holds at that point.
    const known = store.streams.knownKeys(accounts.flatMap((a) => a.keys), accounts.flatMap((a) => a.sorted.map((r) => r.ended_at)));
    // Keys claimed meanwhile (key, its record's ended_at, stream id, …): written together once the batch is applied (nothing
    // reads stream_keys in between; `known` answers for them).
    const claimed: number[] = [];
    for (const { accountId, sorted, keys } of accounts) {
      let start = 0;
      while (start < sorted.length) {
        let end = start + 1;
        while (end < sorted.length && end - start < GROUP_MAX && sorted[end]!.ended_at - sorted[end - 1]!.ended_at <= GROUP_GAP_MS) end++;
        applyGroup(accountId, sorted.slice(start, end), keys.slice(start, end), known, claimed, result);
        start = end;
      }
    }
    store.streams.claimKeys(claimed);
    return result;
  }

  /**
   * Applies one group of records (sorted by ended_at) of one account; `keys` are their identity keys,
   * `known` the keys stored or claimed so far; each key this group claims is added to it and to `claimed`.
   */
  function applyGroup(accountId: number, group: IncomingStream[], keys: number[], known: Set<number>, claimed: number[], result: ApplyResult): void {
    // Against scrobbles the starts count too (same-stream.ts): look as far back as the records' starts,
    // and past their ends when a record is a scrobble whose end is an estimate.
    const back = Math.min(SCROBBLE_LOOKAROUND_MS, Math.max(...group.map((r) => r.ms_played)));
    const ahead = group.some((r) => isScrobbleSource(r.source)) ? SCROBBLE_LOOKAROUND_MS : 0;
    const lo = group[0]!.ended_at - SAME_STREAM_MINUTE_MS - back;
    const hi = group.at(-1)!.ended_at + SAME_STREAM_MINUTE_MS + ahead;
    // One source never merges with itself (sameStreamDistance): when the whole group comes from one source (an
    // import file, a poll), stored streams that hold a record of it can never match and are not read at all.
    const source = group[0]!.source;
    const oneSource = group.every((r) => r.source === source);
    const exclude = oneSource ? SOURCE_BIT[source] : 0;
    const candidates = new CandidateIndex(store.streams.candidates(accountId, lo, hi, exclude));
    // Records seen before (identity key known) take part in nothing.
    const fresh: number[] = [];
    group.forEach((_, i) => { if (known.has(keys[i]!)) result.duplicates++; else fresh.push(i); });
    const records = fresh.map((i) => group[i]!);
    const tracks = records.map((r) => store.catalog.track(r.track, r.source === 'poll' || r.source === 'player'));
    const paired = pairNearestFirst(candidates, records, tracks);
    const pairedIds = new Set([...paired.values()].map((c) => c.id));
    records.forEach((r, j) => {
      const track = tracks[j]!;
      // A record no pairing covered may still be another source's record inserted earlier in this group.
      const match = paired.get(j) ?? findSameStream(candidates, r, track, pairedIds);
      const target = match ? match.id : store.streams.nextId();
      // The identity key goes in first: a second identical record in this batch is a duplicate.
      const key = keys[fresh[j]!]!;
      if (known.has(key)) { result.duplicates++; return; }
      known.add(key);
      claimed.push(key, r.ended_at, target);
      if (match) {
        const current = candidates.current(match);
        const merged = mergeFields(current, r, track, skipThresholdMs);
        store.streams.update(current.id, current, merged);
        candidates.replace(current, { ...current, ...merged, track_uri: current.track_uri ?? track.uri });
        if (!result.inserted.includes(current.id) && !result.merged.includes(current.id)) result.merged.push(current.id);
      } else {
        const fields = fieldsFromRecord(r, accountId, track, skipThresholdMs);
        store.streams.insert(fields, target);
        // A later record of the group may be another source's record of this stream; in a group of one source
        // none can be (one source never merges with itself), so the stream is not indexed as a candidate at all.
        // `fields` is the store's no longer: it becomes the candidate itself (no copy per row).
        if (!oneSource) candidates.add(Object.assign(fields, { id: target, track_uri: track.uri, name_key: track.name_key }));
        result.inserted.push(target);
      }
    });
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

  store.registerRecord('streams', {
    schema: streamsRecordSchema,
    apply: (line) => { applyRecords(line.records); },
  });

  /**
   * Records live streams (poller, player watcher): drops records seen before, validates and journals
   * the rest and waits for fdatasync, applies them in one transaction, then announces them on the bus.
   * Resolves once they are durable; a crash after that loses nothing.
   * @throws StorageError when the journal cannot be written (nothing was stored or announced).
   */
  function record(records: IncomingStream[]): Promise<RecordResult> {
    return store.exclusive(async () => {
      const accountIds = new Map(records.map((r) => [r.account, store.catalog.findAccountId(r.account)]));
      const fresh = records.filter((r) => {
        const accountId = accountIds.get(r.account);
        return accountId === undefined || !store.streams.hasKey(identityKey(r, accountId), r.ended_at);
      });
      if (fresh.length === 0) return { inserted: [], merged: [], duplicates: records.length };
      await store.journalAppend([{ v: 1, t: 'streams', records: fresh }]);
      const result = store.transaction(() => applyRecords(fresh));
      result.duplicates += records.length - fresh.length;
      if (store.needsCompaction()) {
        // The streams are durable in the journal already: a failed snapshot is reported, not thrown at the source.
        await store.compactNow('journal').catch((err: Error) => log.warn({ err }, 'ingest: compaction failed; the journal keeps the streams'));
      }
      const announced = announce(result);
      log.debug({ received: records.length, inserted: result.inserted.length, merged: result.merged.length,
        duplicates: result.duplicates }, 'streams recorded');
      return announced;
    });
  }

  /**
   * Applies the rows of an import file that is already durable (its staged copy journaled by the
   * importer). Batches of {@link IMPORT_BATCH_ROWS} rows, each in its own write transaction under the
   * write lock, released between batches so live plays are recorded meanwhile. Nothing is announced
   * per row (an import is history, not live listening). The caller holds compaction off until it resolves.
   */
  async function applyImported(records: IncomingStream[]): Promise<ApplyResult> {
    const total: ApplyResult = { inserted: [], merged: [], duplicates: 0 };
    for (let i = 0; i < records.length; i += IMPORT_BATCH_ROWS) {
      const batch = records.slice(i, i + IMPORT_BATCH_ROWS);
      // In a bulk load (a big import), the batch's sessions are recomputed once at its end.
      const result = await store.exclusive(() => store.transaction(() => { store.streams.deferSessions(); return applyRecords(batch); }));
      total.inserted.push(...result.inserted);
      total.merged.push(...result.merged);
      total.duplicates += result.duplicates;
      await yieldToLoop();
    }
    return total;
  }

  /** True when this exact record was recorded before (its identity key is stored): recording it again changes nothing. */
  function isKnown(r: IncomingStream): boolean {
    const accountId = store.catalog.findAccountId(r.account);
    return accountId !== undefined && store.streams.hasKey(identityKey(r, accountId), r.ended_at);
  }

  return {
    record, applyImported, isKnown,
    /** Applies records inside the caller's open transaction (journal replay handlers). */
    applyRecords,
    /** The kind a record gets (PRODUCT.md definitions with this install's skip_threshold_s). */
    classify: (r: IncomingStream): StreamKind => classify(r.track.content, r.ms_played, r.skipped ?? null, r.reason_end ?? null, skipThresholdMs),
    skipThresholdMs,
  };
}

/** The ingest instance. */
export type Ingest = ReturnType<typeof createIngest>;
