import { z } from 'zod';
import { SOURCE_BIT, type Row, type Store } from '../store/index.js';
import type { StreamRow } from '../types.js';
import { SCROBBLE_WORTHY_SQL } from './payload.js';

/**
 * The scrobble outbox (DOCS.md "Scrobbling"), derived from the plays themselves:
 * - a play is QUEUED by being stored: every scrobble-worthy play (payload.ts) recorded live (by the
 *   poller or the player watcher) with a stream id above the outbox's start is pending until it is
 *   marked. Its queue entry is its own row in `streams`, written in the transaction that stores the
 *   play, replayed from the journal with it, so a crash can never lose one;
 * - a backfill request (journaled `scrobble.backfill`) queues the plays of a range, whatever their source;
 * - a SENT mark (journaled `scrobble.sent` and fsync'd right after the server's 200, then applied) takes
 *   a play out for good; a restart replays the marks, so nothing acknowledged is sent again. Only a crash
 *   between the 200 and the fsync resends a play, which the server drops as a duplicate (ListenBrainz keys
 *   listens by user, listened_at and recording: listen table's unique index).
 * - plays that ListenBrainz would refuse (no artist…) get a REFUSED mark and are never sent.
 * Listens that came from ListenBrainz (the live source, a ListenBrainz export) are never sent back.
 */
export const OUTBOX_MIGRATIONS = [
  `CREATE TABLE scrobble_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
   CREATE TABLE scrobble_marks (stream_id INTEGER PRIMARY KEY, status INTEGER NOT NULL, marked_at INTEGER NOT NULL);
   CREATE TABLE scrobble_backfills (id INTEGER PRIMARY KEY, from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL,
     account TEXT, requested_at INTEGER NOT NULL, done_at INTEGER);`,
];

/** scrobble_marks.status */
export const MARK = { sent: 1, refused: 2 } as const;

const LIVE_MASK = SOURCE_BIT.poll | SOURCE_BIT.player;
const FROM_LISTENBRAINZ_MASK = SOURCE_BIT.listenbrainz | SOURCE_BIT['import-listenbrainz'];

const startSchema = z.object({ v: z.literal(1), t: z.literal('scrobble.start'), after_id: z.number().int().nonnegative(), at: z.number().int() });
const markSchema = z.object({
  v: z.literal(1), t: z.literal('scrobble.sent'), status: z.enum(['sent', 'refused']), at: z.number().int(),
  /** stream ids, and their ended_at (checked at replay: the id must still be that play) */
  ids: z.array(z.number().int().positive()).min(1).max(1000), ended_at: z.array(z.number().int()),
});
const backfillSchema = z.object({ v: z.literal(1), t: z.literal('scrobble.backfill'), from_ms: z.number().int(), to_ms: z.number().int(),
  account: z.string().min(1).max(64).nullable(), at: z.number().int() });

const HYDRATE = `SELECT s.*, t.uri AS track_uri, t.name AS track_name, t.duration_ms AS duration_ms, t.isrc AS isrc,
  ar.name AS artist_name, al.name AS album_name, al.image_url AS image_url
  FROM streams s JOIN tracks t ON t.id = s.track_id LEFT JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id`;

/**
 * Registers the outbox's tables and journal records on a store (core.ts does this for every entry
 * point, so a journal written while scrobbling was on replays anywhere, even with scrobbling off).
 */
export function registerOutboxRecords(store: Store): void {
  store.migrateModule('scrobble', OUTBOX_MIGRATIONS);
  store.registerRecord('scrobble.start', { schema: startSchema, apply: (r) => setStart(store, r.after_id) });
  store.registerRecord('scrobble.sent', { schema: markSchema, apply: (r) => applyMarks(store, r.ids, r.ended_at, r.status, r.at) });
  store.registerRecord('scrobble.backfill', { schema: backfillSchema, apply: (r) => insertBackfill(store, r) });
}

function setStart(store: Store, afterId: number): void {
  store.sql.exec("INSERT INTO scrobble_state (key, value) VALUES ('start_after_id', ?) ON CONFLICT (key) DO NOTHING", [afterId]);
}

function applyMarks(store: Store, ids: number[], endedAt: number[], status: 'sent' | 'refused', at: number): void {
  ids.forEach((id, i) => {
    const row = store.sql.get<{ ended_at: number }>('SELECT ended_at FROM streams WHERE id = ?', [id]);
    // A play merged later may have another ended_at; a missing id means the journal is not this store's: skip it.
    if (!row || (endedAt[i] !== undefined && Math.abs(row.ended_at - endedAt[i]!) > 120_000)) return;
    store.sql.exec('INSERT OR IGNORE INTO scrobble_marks (stream_id, status, marked_at) VALUES (?, ?, ?)', [id, MARK[status], at]);
  });
}

function insertBackfill(store: Store, r: z.infer<typeof backfillSchema>): void {
  store.sql.exec('INSERT INTO scrobble_backfills (from_ms, to_ms, account, requested_at) VALUES (?, ?, ?, ?)', [r.from_ms, r.to_ms, r.account, r.at]);
}

/** A pending play with what a listen needs. */
export type PendingPlay = StreamRow & { isrc: string | null };

/** The outbox over a store (queries and durable marks). */
export function createOutbox(store: Store, now: () => number = Date.now) {
  const start = () => store.sql.get<{ value: number }>("SELECT value FROM scrobble_state WHERE key = 'start_after_id'")?.value ?? null;

  /** Starts the live outbox at the newest stream (plays before it are history: the backfill's business). Once per data folder. */
  async function ensureStarted(): Promise<void> {
    if (start() !== null) return;
    await store.exclusive(async () => {
      if (start() !== null) return;
      const afterId = store.sql.get<{ id: number | null }>('SELECT max(id) AS id FROM streams')?.id ?? 0;
      await store.journalAppend([{ v: 1, t: 'scrobble.start', after_id: afterId, at: now() }]);
      store.transaction(() => setStart(store, afterId));
    });
  }

  const unmarked = 'NOT EXISTS (SELECT 1 FROM scrobble_marks m WHERE m.stream_id = s.id)';
  const hydrate = (rows: Row[]): PendingPlay[] =>
    rows.map((r) => ({ ...store.streams.toStreamRow(r), isrc: (r.isrc as string | null) ?? null }));

  /** The oldest pending live plays (sent one by one as `single`). */
  function pendingLive(limit: number): PendingPlay[] {
    const after = start();
    if (after === null) return [];
    return hydrate(store.sql.all(`${HYDRATE} WHERE s.id > ? AND ${SCROBBLE_WORTHY_SQL} AND (s.sources & ${LIVE_MASK}) != 0
      AND (s.sources & ${FROM_LISTENBRAINZ_MASK}) = 0 AND ${unmarked} ORDER BY s.id LIMIT ?`, [after, limit]));
  }

  /** The open backfill requests, oldest first. */
  const backfills = () => store.sql.all<{ id: number; from_ms: number; to_ms: number; account: string | null }>(
    'SELECT id, from_ms, to_ms, account FROM scrobble_backfills WHERE done_at IS NULL ORDER BY id');

  /** The next pending plays of the oldest open backfill (sent as `import`), closing requests that have none left. */
  function pendingBackfill(limit: number): PendingPlay[] {
    for (const b of backfills()) {
      const params: (number | string)[] = [b.from_ms, b.to_ms];
      let accountClause = '';
      if (b.account !== null) { accountClause = ' AND s.account_id = ?'; params.push(store.catalog.findAccountId(b.account) ?? -1); }
      const rows = hydrate(store.sql.all(`${HYDRATE} WHERE s.ended_at BETWEEN ? AND ?${accountClause} AND ${SCROBBLE_WORTHY_SQL}
        AND (s.sources & ${FROM_LISTENBRAINZ_MASK}) = 0 AND ${unmarked} ORDER BY s.ended_at, s.id LIMIT ?`, [...params, limit]));
      if (rows.length > 0) return rows;
      void store.exclusive(() => store.transaction(() => store.sql.exec('UPDATE scrobble_backfills SET done_at = ? WHERE id = ?', [now(), b.id])));
    }
    return [];
  }

  /** Marks plays sent (after the server's 200) or refused: journaled and fsync'd, then applied. */
  async function mark(plays: PendingPlay[], status: 'sent' | 'refused'): Promise<void> {
    for (let i = 0; i < plays.length; i += 1000) {
      const chunk = plays.slice(i, i + 1000);
      const record = { v: 1 as const, t: 'scrobble.sent', status, at: now(), ids: chunk.map((p) => p.id), ended_at: chunk.map((p) => p.ended_at) };
      await store.exclusive(async () => {
        await store.journalAppend([record]);
        store.transaction(() => applyMarks(store, record.ids, record.ended_at, status, record.at));
      });
    }
  }

  /** Queues the plays of [from, to] (one account, or all) for a backfill. */
  async function requestBackfill(fromMs: number, toMs: number, account: string | null): Promise<void> {
    const record = { v: 1 as const, t: 'scrobble.backfill' as const, from_ms: fromMs, to_ms: toMs, account, at: now() };
    await store.exclusive(async () => {
      await store.journalAppend([record]);
      store.transaction(() => insertBackfill(store, record));
    });
  }

  /** Counts for the status: plays waiting live, plays waiting in backfills, plays sent, plays refused. */
  function counts(): { pending: number; backfill_pending: number; sent: number; refused: number } {
    const after = start();
    const pending = after === null ? 0 : store.sql.get<{ n: number }>(`SELECT count(*) AS n FROM streams s JOIN tracks t ON t.id = s.track_id
      WHERE s.id > ? AND ${SCROBBLE_WORTHY_SQL} AND (s.sources & ${LIVE_MASK}) != 0 AND (s.sources & ${FROM_LISTENBRAINZ_MASK}) = 0 AND ${unmarked}`, [after])!.n;
    let backfill = 0;
    for (const b of backfills()) {
      const params: number[] = [b.from_ms, b.to_ms];
      let accountClause = '';
      if (b.account !== null) { accountClause = ' AND s.account_id = ?'; params.push(store.catalog.findAccountId(b.account) ?? -1); }
      backfill += store.sql.get<{ n: number }>(`SELECT count(*) AS n FROM streams s JOIN tracks t ON t.id = s.track_id WHERE s.ended_at BETWEEN ? AND ?${accountClause}
        AND ${SCROBBLE_WORTHY_SQL} AND (s.sources & ${FROM_LISTENBRAINZ_MASK}) = 0 AND ${unmarked}`, params)!.n;
    }
    const marks = store.sql.all<{ status: number; n: number }>('SELECT status, count(*) AS n FROM scrobble_marks GROUP BY status');
    return { pending, backfill_pending: backfill, sent: marks.find((m) => m.status === MARK.sent)?.n ?? 0,
      refused: marks.find((m) => m.status === MARK.refused)?.n ?? 0 };
  }

  /** True when a backfill was ever requested (the scrobble_backfill option asks only once). */
  const everBackfilled = () => store.sql.get('SELECT 1 AS x FROM scrobble_backfills LIMIT 1') !== undefined;

  return { ensureStarted, pendingLive, pendingBackfill, mark, requestBackfill, counts, everBackfilled };
}

/** The outbox instance. */
export type Outbox = ReturnType<typeof createOutbox>;
