import { inFixedChunks, IN_LIST_MAX, type Sql, type Row } from './sql.js';
import type { Catalog } from './catalog.js';
import { CONTENT_CODE, CONTENT_NAME } from './catalog.js';
import { MS_PER_DAY, type LocalBuckets, type TimeZoneMath } from '../time.js';
import type { ContentType, StreamKind, StreamRow, StreamSource } from '../types.js';

export const KIND_CODE: Record<StreamKind, number> = { other: 0, play: 1, skip: 2 };
export const KIND_NAME: StreamKind[] = ['other', 'play', 'skip'];
export const SOURCE_BIT: Record<StreamSource, number> = { poll: 1, player: 2, 'import-extended': 4, 'import-account': 8,
  listenbrainz: 16, 'import-listenbrainz': 32, 'import-maloja': 64, 'import-scrobbler-log': 128, 'import-lastfm': 256, 'import-panoscrobbler': 512,
  'import-vibescope': 1024 };
/** Sources richest first (the order {@link sourcesOf} lists them in). */
export const SOURCES_RICHEST_FIRST: readonly StreamSource[] = ['import-extended', 'import-account', 'player', 'poll', 'import-vibescope', 'listenbrainz',
  'import-listenbrainz', 'import-maloja', 'import-panoscrobbler', 'import-scrobbler-log', 'import-lastfm'];
const SOURCE_BY_BIT = new Map<number, StreamSource>(Object.entries(SOURCE_BIT).map(([k, v]) => [v, k as StreamSource]));

/** A skip before this much listening is an "early" skip (panel: early vs later skips). */
export const EARLY_SKIP_MS = 10_000;

/** PRODUCT.md "session": consecutive plays with gaps (start of next - end of previous) <= 20 minutes. */
export const SESSION_GAP_MS = 20 * 60_000;

/**
 * Touched play spans closer than this are recomputed together (fewer, slightly larger recomputes);
 * any value gives the same sessions.
 */
const TOUCHED_JOIN_MS = 2 * SESSION_GAP_MS;

/**
 * A bulk load's sessions are recomputed in windows of this many ms, each reaching back to the start of its
 * earliest play (recomputeWindow), so any width gives the same sessions; 30 days keep the plays read at once to a month's.
 */
const BULK_SESSION_WINDOW_MS = 30 * MS_PER_DAY;
/**
 * A bulk load's left spans closer than this are recomputed as one (then cut into windows): a big import's
 * spans are its listening sessions, and each window costs four queries however few plays it holds. Measured
 * on 264 000 rows over 9.6 years: joined within {@link TOUCHED_JOIN_MS}, 14 515 windows; within a day, ~120.
 * A gap read with them holds at most a day of plays stored before.
 */
const BULK_JOIN_MS = MS_PER_DAY;

/** Width of the occupancy buckets that let most same-stream look-ups skip their query (ms). */
const OCCUPIED_BUCKET_MS = 10 * 60_000;
/** The buckets cover 2000 to 2100 (streams are 2002 or later; 2000-01-01 is a multiple of the width): 5.3 M bits, 660 kB. */
const OCCUPIED_FROM_MS = Date.UTC(2000, 0, 1);
const OCCUPIED_BUCKETS = Math.ceil((Date.UTC(2100, 0, 1) - OCCUPIED_FROM_MS) / OCCUPIED_BUCKET_MS);
/**
 * Width of the buckets that tell, per source, where streams lacking that source lie (ms): an hour, so one
 * source's buckets over the same years are 110 kB.
 */
const LACKING_BUCKET_MS = 60 * 60_000;
const LACKING_BUCKETS = Math.ceil((Date.UTC(2100, 0, 1) - OCCUPIED_FROM_MS) / LACKING_BUCKET_MS);

/**
 * Identity keys are filed by the UTC day their record ended on (stream_keys is keyed by utc_day, key;
 * schema migration 5). The keys themselves are hashes: filed by key alone, each of an import's keys
 * landed on another page of the table, and with sql.js's small page cache every batch read and wrote
 * most of the table again. Filed by day, an import in time order appends, and a batch's look-ups share pages.
 */
/** The day a key is filed under: days since 1970-01-01 (UTC) of the record's ended_at (ms). */
const keyDay = (endedAt: number): number => Math.floor(endedAt / MS_PER_DAY);
/** Keys stored before they were filed by day (migration 5) all sit under day 0; look-ups check it too while any is there. */
const LEGACY_KEY_DAY = 0;
const claimKeysInsert = (n: number) => `INSERT OR IGNORE INTO stream_keys (utc_day, key, stream_id) VALUES ${Array(n).fill('(?, ?, ?)').join(', ')}`;
/** One seek per (day, key) pair (row values: https://www.sqlite.org/rowvalue.html). */
const knownKeysSelect = (pairs: number) => `SELECT key FROM stream_keys WHERE (utc_day, key) IN (VALUES ${Array(pairs).fill('(?, ?)').join(', ')})`;

/** A stream's fields as ingest decides them (decoded: strings and booleans, not codes). */
export interface StreamFields {
  account_id: number;
  track_id: number;
  ended_at: number;
  ms_played: number;
  kind: StreamKind;
  content: ContentType;
  source: StreamSource;
  /** Bitmask of {@link SOURCE_BIT}. */
  sources: number;
  reason_start: string | null;
  reason_end: string | null;
  skipped: boolean | null;
  shuffle: boolean | null;
  offline: boolean | null;
  incognito: boolean | null;
  platform: string | null;
  device: string | null;
  context_uri: string | null;
}

/** A stored stream near an incoming one, with what same-stream matching compares. */
export interface Candidate extends StreamFields { id: number; track_uri: string | null; name_key: string }

/** The streams columns {@link StreamFields} and a candidate's id are decoded from (candidateOf reads them by position). */
const CANDIDATE_COLUMNS = ['id', 'account_id', 'track_id', 'ended_at', 'ms_played', 'kind', 'content', 'source', 'sources',
  'reason_start', 'reason_end', 'skipped', 'shuffle', 'offline', 'incognito', 'platform', 'device', 'context_uri'] as const;
/** candidateOf reads CANDIDATE_COLUMNS by position: a column added or removed there fails to compile here. */
export const CANDIDATE_COLUMN_COUNT: 18 = CANDIDATE_COLUMNS.length;

const bool = (v: boolean | null): number | null => (v === null ? null : v ? 1 : 0);
const unbool = (v: unknown): boolean | null => (v === null || v === undefined ? null : v === 1);

/** Decodes a source bitmask into names, richest first. */
export function sourcesOf(mask: number): StreamSource[] {
  return SOURCES_RICHEST_FIRST.filter((s) => (mask & SOURCE_BIT[s]) !== 0);
}

/** The SELECT that hydrates stored streams into {@link StreamRow}s (join names in). */
export const STREAM_ROW_SELECT = `
  SELECT s.*, t.uri AS track_uri, t.name AS track_name, t.duration_ms AS duration_ms,
         ar.name AS artist_name, al.name AS album_name, al.image_url AS image_url
  FROM streams s JOIN tracks t ON t.id = s.track_id
  LEFT JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id`;

/**
 * Stream writes with their rollups (daily_stats, hourly_stats, track_stats, sessions) kept in step,
 * and the reads ingest needs. Rollup deltas are gathered in memory and written by {@link flush},
 * once per transaction.
 */
export function createStreams(sql: Sql, catalog: Catalog, tz: TimeZoneMath) {
  /** Whether keys from before migration 5 are stored (under day 0); none are ever added, so this holds for the store's life. */
  const legacyKeys = sql.get('SELECT 1 AS x FROM stream_keys WHERE utc_day = ? LIMIT 1', [LEGACY_KEY_DAY]) !== undefined;
  // Rollup deltas keyed by their table's primary key as one number: account id × 2^20 + local day + 2^19 (days within
  // ±1 400 years of 1970), account id × 168 + weekday × 24 + hour, account id × 2^32 + track id. A string key per row
  // cost more (V8 keeps no number-to-string cache under --optimize-for-size).
  const daily = new Map<number, [number, number, number, number, number, number, number]>();
  const hourly = new Map<number, [number, number, number, number, number, number]>();
  const trackDelta = new Map<number, [number, number, number, number, number, number, number]>();
  /** Per account, the [start, end] spans (ms) of plays written or changed since the last flush: their sessions are recomputed. */
  const touched = new Map<number, [number, number][]>();

  function contribute(f: StreamFields, sign: 1 | -1, b: LocalBuckets = tz.buckets(f.ended_at)): void {
    if (f.content !== 'track') return;
    const { day, hour, dow } = b;
    const play = f.kind === 'play' ? sign : 0;
    const skip = f.kind === 'skip' ? sign : 0;
    const ms = f.ms_played * sign;
    const dk = f.account_id * 2 ** 20 + day + 2 ** 19;
    const d = daily.get(dk) ?? [f.account_id, day, 0, 0, 0, 0, 0];
    d[2] += play; d[3] += skip; d[4] += sign; d[5] += ms; d[6] += skip !== 0 && f.ms_played < EARLY_SKIP_MS ? skip : 0;
    daily.set(dk, d);
    const hk = f.account_id * 168 + dow * 24 + hour;
    const h = hourly.get(hk) ?? [f.account_id, dow, hour, 0, 0, 0];
    h[3] += play; h[4] += skip; h[5] += ms;
    hourly.set(hk, h);
    const tk = f.account_id * 2 ** 32 + f.track_id;
    const t = trackDelta.get(tk) ?? [f.account_id, f.track_id, 0, 0, 0, Infinity, -Infinity];
    t[2] += play; t[3] += skip; t[4] += ms;
    if (sign > 0) { t[5] = Math.min(t[5], f.ended_at); t[6] = Math.max(t[6], f.ended_at); }
    trackDelta.set(tk, t);
    if (f.kind === 'play') {
      const spans = touched.get(f.account_id);
      const start = f.ended_at - f.ms_played;
      const last = spans?.at(-1);
      // Plays mostly come in time order: a play near the last span widens it, so the list stays short.
      if (last && start <= last[1] + TOUCHED_JOIN_MS && f.ended_at >= last[0] - TOUCHED_JOIN_MS) {
        last[0] = Math.min(last[0], start); last[1] = Math.max(last[1], f.ended_at);
      } else if (spans) spans.push([start, f.ended_at]);
      else touched.set(f.account_id, [[start, f.ended_at]]);
    }
  }

  /** The parameters of {@link insert}'s and {@link update}'s statements: the stream's id, then its columns (one array, no copy). */
  function params(id: number, f: StreamFields, { day, hour }: LocalBuckets): (number | string | null)[] {
    return [id, f.account_id, f.track_id, f.ended_at, f.ms_played, KIND_CODE[f.kind], CONTENT_CODE[f.content],
      SOURCE_BIT[f.source], f.sources, day, hour, catalog.label(f.reason_start), catalog.label(f.reason_end),
      bool(f.skipped), bool(f.shuffle), bool(f.offline), bool(f.incognito), catalog.label(f.platform),
      catalog.label(f.device), f.context_uri];
  }

  /** Stream inserts, updates and rebuilds so far: the store bumps its stats version only when this moved. */
  let changes = 0;
  let nextFree: number | null = null;
  /** The id the next inserted stream gets (ids are handed out in order inside a transaction). */
  function nextId(): number {
    nextFree ??= (sql.get<{ id: number | null }>('SELECT max(id) AS id FROM streams')?.id ?? 0) + 1;
    return nextFree;
  }

  /** Inserts a new stream with the id from {@link nextId}. */
  function insert(f: StreamFields, id: number): void {
    if (id !== nextId()) throw new Error(`streams.insert: id ${id} is not the next free id ${nextId()}`);
    const b = tz.buckets(f.ended_at);
    sql.exec(`INSERT INTO streams (id, account_id, track_id, ended_at, ms_played, kind, content, source,
      sources, local_day, local_hour, reason_start, reason_end, skipped, shuffle, offline, incognito, platform, device,
      context_uri) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, params(id, f, b));
    nextFree = id + 1;
    changes++;
    markOccupied(f.ended_at, f.sources);
    contribute(f, 1, b);
  }

  /** Replaces a stored stream's fields (a merge); rollups move from `before` to `after`. */
  function update(id: number, before: StreamFields, after: StreamFields): void {
    const b = tz.buckets(after.ended_at);
    // Numbered parameters: ?1 is the id, first in params() (sql.js binds array item i to parameter i + 1).
    sql.exec(`UPDATE streams SET account_id = ?2, track_id = ?3, ended_at = ?4, ms_played = ?5, kind = ?6, content = ?7,
      source = ?8, sources = ?9, local_day = ?10, local_hour = ?11, reason_start = ?12, reason_end = ?13, skipped = ?14, shuffle = ?15,
      offline = ?16, incognito = ?17, platform = ?18, device = ?19, context_uri = ?20 WHERE id = ?1`, params(id, after, b));
    changes++;
    markOccupied(after.ended_at, after.sources);
    contribute(before, -1);
    contribute(after, 1, b);
  }

  /**
   * Records identity keys with the streams they landed in, `triples` being key, ended_at (ms) of the
   * key's record, stream id, key, ended_at, stream id, … (keys known before are left as they are).
   * Written in (day, key) order, up to {@link IN_LIST_MAX} a statement.
   */
  function claimKeys(triples: readonly number[]): void {
    const n = triples.length / 3;
    const days = Array.from({ length: n }, (_, i) => keyDay(triples[3 * i + 1]!));
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => days[a]! - days[b]! || triples[3 * a]! - triples[3 * b]!);
    // A repeated triple is ignored as known.
    inFixedChunks(order, (chunk, size) => {
      const values = new Array<number>(3 * chunk.length);
      chunk.forEach((k, i) => { values[3 * i] = days[k]!; values[3 * i + 1] = triples[3 * k]!; values[3 * i + 2] = triples[3 * k + 2]!; });
      sql.exec(claimKeysInsert(size), values);
    });
  }

  /** True when a record with this identity key, its record having ended at `endedAt` (ms), was ingested before. */
  function hasKey(key: number, endedAt: number): boolean {
    return sql.get('SELECT 1 AS x FROM stream_keys WHERE utc_day = ? AND key = ?', [keyDay(endedAt), key]) !== undefined
      || (legacyKeys && sql.get('SELECT 1 AS x FROM stream_keys WHERE utc_day = ? AND key = ?', [LEGACY_KEY_DAY, key]) !== undefined);
  }

  /**
   * The identity keys among `keys` that were ingested before, `endedAts[i]` being the ended_at (ms) of
   * key i's record: one query per {@link IN_LIST_MAX} (day, key) pairs (a lookup per key costs several
   * times more in sql.js), each key under its own day and, while the store holds keys from before
   * migration 5, under day 0 as well.
   */
  function knownKeys(keys: readonly number[], endedAts: readonly number[]): Set<number> {
    const known = new Set<number>();
    // (day, key) pairs as two flat lists, and the pairs' positions chunked: no array per pair.
    const days: number[] = []; const pairKeys: number[] = [];
    keys.forEach((key, i) => {
      days.push(keyDay(endedAts[i]!)); pairKeys.push(key);
      if (legacyKeys) { days.push(LEGACY_KEY_DAY); pairKeys.push(key); }
    });
    inFixedChunks(Array.from(days, (_, i) => i), (chunk, size) => {
      const values = new Array<number>(2 * chunk.length);
      chunk.forEach((p, i) => { values[2 * i] = days[p]!; values[2 * i + 1] = pairKeys[p]!; });
      for (const [key] of sql.values(knownKeysSelect(size), values)) known.add(key as number);
    });
    return known;
  }

  function decode(row: Row): StreamFields {
    return {
      account_id: row.account_id as number,
      track_id: row.track_id as number,
      ended_at: row.ended_at as number,
      ms_played: row.ms_played as number,
      kind: KIND_NAME[row.kind as number]!,
      content: CONTENT_NAME[row.content as number]!,
      source: SOURCE_BY_BIT.get(row.source as number) ?? 'poll',
      sources: row.sources as number,
      reason_start: catalog.labelName(row.reason_start as number | null),
      reason_end: catalog.labelName(row.reason_end as number | null),
      skipped: unbool(row.skipped),
      shuffle: unbool(row.shuffle),
      offline: unbool(row.offline),
      incognito: unbool(row.incognito),
      platform: catalog.labelName(row.platform as number | null),
      device: catalog.labelName(row.device as number | null),
      context_uri: (row.context_uri as string | null) ?? null,
    };
  }

  /**
   * Which {@link OCCUPIED_BUCKET_MS} buckets (from {@link OCCUPIED_FROM_MS}) hold a stream of any account,
   * as bits; a superset (a rolled-back insert leaves its bit). Built on first use from the ended_at
   * index, then kept up by insert and update. null until then.
   */
  let occupied: Uint8Array | null = null;
  /** Set when a stored stream lies outside the buckets' years: every range may then hold streams. */
  let occupiedOutside = false;
  /**
   * Per source bit that {@link candidates} was asked to leave out, which {@link LACKING_BUCKET_MS} buckets hold
   * a stream whose sources lack that bit (the only streams it can return then), as bits; a superset like
   * {@link occupied} (a merge that adds the bit leaves its bucket set). An import of one source asks for
   * streams of other sources: where the store holds only its own (an earlier import of the same kind, a
   * re-export), these answer without a query. Built per bit on first use.
   */
  const lacking = new Map<number, Uint8Array>();
  function markOccupied(endedAt: number, sources: number): void {
    if (occupied) {
      const b = Math.floor((endedAt - OCCUPIED_FROM_MS) / OCCUPIED_BUCKET_MS);
      if (b < 0 || b >= OCCUPIED_BUCKETS) occupiedOutside = true;
      else occupied[b >> 3]! |= 1 << (b & 7);
    }
    for (const [bit, bits] of lacking) if ((sources & bit) === 0) markLacking(bits, endedAt);
  }
  function markLacking(bits: Uint8Array, endedAt: number): void {
    const b = Math.floor((endedAt - OCCUPIED_FROM_MS) / LACKING_BUCKET_MS);
    if (b < 0 || b >= LACKING_BUCKETS) occupiedOutside = true;
    else bits[b >> 3]! |= 1 << (b & 7);
  }
  /** False when no stream whose sources lack `bit` (one {@link SOURCE_BIT}) can have ended_at in [lo, hi]; true when one may. */
  function mayLack(bit: number, lo: number, hi: number): boolean {
    let bits = lacking.get(bit);
    if (!bits) {
      bits = new Uint8Array(Math.ceil(LACKING_BUCKETS / 8));
      for (const [ms] of sql.values('SELECT DISTINCT ended_at / ? * ? FROM streams WHERE (sources & ?) = 0', [LACKING_BUCKET_MS, LACKING_BUCKET_MS, bit])) {
        markLacking(bits, ms as number);
      }
      lacking.set(bit, bits);
    }
    const first = Math.floor((lo - OCCUPIED_FROM_MS) / LACKING_BUCKET_MS);
    const last = Math.floor((hi - OCCUPIED_FROM_MS) / LACKING_BUCKET_MS);
    if (occupiedOutside || first < 0 || last >= LACKING_BUCKETS) return true;
    for (let b = first; b <= last; b++) if ((bits[b >> 3]! & (1 << (b & 7))) !== 0) return true;
    return false;
  }
  /** False when no stream (of any account) can have ended_at in [lo, hi]; true when one may. */
  function mayHoldStreams(lo: number, hi: number): boolean {
    if (!occupied) {
      occupied = new Uint8Array(Math.ceil(OCCUPIED_BUCKETS / 8));
      for (const [ms] of sql.values('SELECT DISTINCT ended_at / ? * ? FROM streams', [OCCUPIED_BUCKET_MS, OCCUPIED_BUCKET_MS])) {
        const b = Math.floor((ms as number - OCCUPIED_FROM_MS) / OCCUPIED_BUCKET_MS);
        if (b < 0 || b >= OCCUPIED_BUCKETS) occupiedOutside = true;
        else occupied[b >> 3]! |= 1 << (b & 7);
      }
    }
    const first = Math.floor((lo - OCCUPIED_FROM_MS) / OCCUPIED_BUCKET_MS);
    const last = Math.floor((hi - OCCUPIED_FROM_MS) / OCCUPIED_BUCKET_MS);
    if (occupiedOutside || first < 0 || last >= OCCUPIED_BUCKETS) return true;
    for (let b = first; b <= last; b++) if ((occupied[b >> 3]! & (1 << (b & 7))) !== 0) return true;
    return false;
  }

  /**
   * Streams of one account with ended_at in [lo, hi] (ms), for same-stream matching. Most ranges of an
   * import hold no stream at all: the occupied buckets answer those without a query. Read as arrays in
   * {@link CANDIDATE_COLUMNS} order: a row object per candidate costs each column's name again.
   * `excludeSources` (a {@link SOURCE_BIT} mask): streams holding any of these sources are left out, unread.
   */
  function candidates(accountId: number, lo: number, hi: number, excludeSources = 0): Candidate[] {
    if (!mayHoldStreams(lo, hi)) return [];
    // One source left out (an import's): only streams lacking it can be returned.
    if (excludeSources !== 0 && (excludeSources & (excludeSources - 1)) === 0 && !mayLack(excludeSources, lo, hi)) return [];
    return sql.values(`SELECT ${CANDIDATE_COLUMNS.map((c) => `s.${c}`).join(', ')}, t.uri, t.name_key
      FROM streams s JOIN tracks t ON t.id = s.track_id WHERE s.ended_at BETWEEN ? AND ? AND s.account_id = ? AND (s.sources & ?) = 0`,
    [lo, hi, accountId, excludeSources]).map(candidateOf);
  }

  /** A candidate from its row in {@link CANDIDATE_COLUMNS} order plus uri and name_key (no row object in between). */
  function candidateOf(v: Row[string][]): Candidate {
    return {
      id: v[0] as number, account_id: v[1] as number, track_id: v[2] as number, ended_at: v[3] as number, ms_played: v[4] as number,
      kind: KIND_NAME[v[5] as number]!, content: CONTENT_NAME[v[6] as number]!, source: SOURCE_BY_BIT.get(v[7] as number) ?? 'poll',
      sources: v[8] as number, reason_start: catalog.labelName(v[9] as number | null), reason_end: catalog.labelName(v[10] as number | null),
      skipped: unbool(v[11]), shuffle: unbool(v[12]), offline: unbool(v[13]), incognito: unbool(v[14]),
      platform: catalog.labelName(v[15] as number | null), device: catalog.labelName(v[16] as number | null),
      context_uri: (v[17] as string | null) ?? null, track_uri: v[18] as string | null, name_key: v[19] as string,
    };
  }

  /** Turns a hydrated row ({@link STREAM_ROW_SELECT}) into the public {@link StreamRow}. */
  function toStreamRow(row: Row): StreamRow {
    const f = decode(row);
    return {
      id: row.id as number,
      account: catalog.accountName(f.account_id),
      ended_at: f.ended_at,
      ms_played: f.ms_played,
      kind: f.kind,
      content: f.content,
      source: f.source,
      sources: sourcesOf(f.sources),
      track_id: f.track_id,
      track_uri: row.track_uri as string | null,
      track_name: row.track_name as string,
      artist_name: (row.artist_name as string | null) ?? null,
      album_name: (row.album_name as string | null) ?? null,
      image_url: (row.image_url as string | null) ?? null,
      duration_ms: (row.duration_ms as number | null) ?? null,
      reason_start: f.reason_start, reason_end: f.reason_end, skipped: f.skipped, shuffle: f.shuffle,
      offline: f.offline, incognito: f.incognito, platform: f.platform, device: f.device, context_uri: f.context_uri,
    };
  }

  /** Hydrated rows for the given ids, in ended_at order. */
  function rowsByIds(ids: number[]): StreamRow[] {
    const out: StreamRow[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      out.push(...sql.all(`${STREAM_ROW_SELECT} WHERE s.id IN (${chunk.map(() => '?').join(',')})`, chunk).map(toStreamRow));
    }
    return out.sort((a, b) => a.ended_at - b.ended_at || a.id - b.id);
  }

  /**
   * Recomputes the sessions of `accountId` that plays in [lo, hi] (ms, their starts to their ends) belong
   * to (PRODUCT.md "session"). Sessions never overlap and lie more than {@link SESSION_GAP_MS} apart, so
   * in ended_at order they are in started_at order too: the ones a play in [lo, hi] may join (ending at
   * lo - gap or later, starting at hi + gap or earlier) are one run of the ended_at index. Those are
   * replaced by the sessions their plays and the plays in [lo, hi] form; nothing outside them is read.
   */
  function recomputeSessions(accountId: number, lo: number, hi: number): void {
    let from = lo;
    let to = hi;
    const stale: number[] = [];
    sql.each('SELECT id, started_at, ended_at FROM sessions WHERE account_id = ? AND ended_at >= ? ORDER BY ended_at',
      [accountId, lo - SESSION_GAP_MS], ([id, start, end]) => {
        if ((start as number) > hi + SESSION_GAP_MS) return false;
        stale.push(id as number);
        from = Math.min(from, start as number); to = Math.max(to, end as number);
        return true;
      });
    for (const id of stale) sql.exec('DELETE FROM sessions WHERE id = ?', [id]);
    // Sorted by start here, not by SQL: an ORDER BY on the expression needs a temporary b-tree per call, which
    // cost three times the query itself (measured: 45 against 14 µs a call; an import makes ~80 calls per 1 000 rows).
    const plays = (sql.values(`SELECT ended_at - ms_played, ended_at, ms_played FROM streams
      WHERE ended_at BETWEEN ? AND ? AND account_id = ? AND kind = 1`, [from, to, accountId]) as [number, number, number][])
      .sort((a, b) => a[0] - b[0]);
    let current: [number, number, number, number] | null = null; // started_at, ended_at, plays, ms
    const emit = (s: [number, number, number, number]) =>
      sql.exec('INSERT INTO sessions (account_id, started_at, ended_at, plays, ms_played) VALUES (?, ?, ?, ?, ?)', [accountId, ...s]);
    for (const [start, end, ms] of plays) {
      if (current && start - current[1] <= SESSION_GAP_MS) {
        current[1] = Math.max(current[1], end); current[2] += 1; current[3] += ms;
      } else {
        if (current) emit(current);
        current = [start, end, 1, ms];
      }
    }
    if (current) emit(current);
  }

  /** The touched spans of one account, sorted and joined where they lie `joinMs` or closer: one session recompute each. */
  function joinedSpans(spans: [number, number][], joinMs = TOUCHED_JOIN_MS): [number, number][] {
    const sorted = [...spans].sort((a, b) => a[0] - b[0]);
    const out: [number, number][] = [];
    for (const [start, end] of sorted) {
      const last = out.at(-1);
      if (last && start <= last[1] + joinMs) last[1] = Math.max(last[1], end);
      else out.push([start, end]);
    }
    return out;
  }

  /** Writes the gathered rollup deltas and recomputes touched sessions. Call inside the transaction. */
  function flush(): void {
    for (const d of daily.values()) {
      sql.exec(`INSERT INTO daily_stats VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, local_day) DO UPDATE SET
        plays = plays + excluded.plays, skips = skips + excluded.skips, streams = streams + excluded.streams,
        ms_played = ms_played + excluded.ms_played, early_skips = early_skips + excluded.early_skips`, d);
    }
    for (const h of hourly.values()) {
      sql.exec(`INSERT INTO hourly_stats VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, local_dow, local_hour) DO UPDATE SET
        plays = plays + excluded.plays, skips = skips + excluded.skips, ms_played = ms_played + excluded.ms_played`, h);
    }
    for (const t of trackDelta.values()) {
      const first = Number.isFinite(t[5]) ? t[5] : null;
      const last = Number.isFinite(t[6]) ? t[6] : null;
      sql.exec(`INSERT INTO track_stats VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, track_id) DO UPDATE SET
        plays = plays + excluded.plays, skips = skips + excluded.skips, ms_played = ms_played + excluded.ms_played,
        first_at = min(coalesce(first_at, excluded.first_at), coalesce(excluded.first_at, first_at)),
        last_at = max(coalesce(last_at, excluded.last_at), coalesce(excluded.last_at, last_at))`,
        [t[0], t[1], t[2], t[3], t[4], first, last]);
    }
    if (deferThis && bulkSpans) {
      for (const [accountId, spans] of touched) {
        const list = bulkSpans.get(accountId);
        if (list) list.push(...spans); else bulkSpans.set(accountId, [...spans]);
      }
    } else {
      for (const [accountId, spans] of touched) for (const [lo, hi] of joinedSpans(spans)) recomputeSessions(accountId, lo, hi);
    }
    discard();
  }

  /** Drops gathered deltas (after a rollback). */
  function discard(): void {
    nextFree = null;
    deferThis = false;
    daily.clear(); hourly.clear(); trackDelta.clear(); touched.clear();
  }

  /**
   * While a bulk load runs, the spans whose sessions its batches left for {@link endBulk}, per account; null
   * otherwise. A big import's batches overlap in time (files of an export, re-exports), so recomputing per batch
   * read the same plays again and again; once at the end, in windows of {@link BULK_SESSION_WINDOW_MS}, reads each once.
   */
  let bulkSpans: Map<number, [number, number][]> | null = null;
  /** Set by {@link deferSessions} for the transaction under way. */
  let deferThis = false;
  /** Starts a bulk load: batches that call {@link deferSessions} leave their sessions to {@link endBulk}. */
  function beginBulk(): void { bulkSpans ??= new Map(); }
  /** Call inside a bulk load's batch transaction: its sessions are recomputed at the load's end instead of now. */
  function deferSessions(): void { if (bulkSpans) deferThis = true; }
  /**
   * Ends a bulk load: its left spans, joined within {@link BULK_JOIN_MS} and cut into windows of {@link BULK_SESSION_WINDOW_MS}, as
   * (account id, from, to) in ms, for {@link recomputeWindow}. Live batches meanwhile recomputed their own.
   */
  function endBulk(): [number, number, number][] {
    if (!bulkSpans) return [];
    const windows: [number, number, number][] = [];
    for (const [accountId, list] of bulkSpans) {
      for (const [lo, hi] of joinedSpans(list, BULK_JOIN_MS)) {
        for (let from = lo; from <= hi; from += BULK_SESSION_WINDOW_MS) windows.push([accountId, from, Math.min(hi, from + BULK_SESSION_WINDOW_MS - 1)]);
      }
    }
    bulkSpans = null;
    return windows;
  }

  /**
   * Recomputes the sessions of one window of a bulk load (inside a transaction). The window reaches back to
   * the earliest start of a play that ends in it: a long play begun before the window then joins the session
   * before it, as {@link recomputeSessions} expects of a span (it starts where its plays start).
   */
  function recomputeWindow(accountId: number, from: number, to: number): void {
    const first = sql.get<{ s: number | null }>(`SELECT min(ended_at - ms_played) AS s FROM streams
      WHERE ended_at BETWEEN ? AND ? AND account_id = ? AND kind = 1`, [from, to, accountId])?.s ?? null;
    changes++; // sessions change: the statistics caches must not keep the ones from before
    recomputeSessions(accountId, first === null ? from : Math.min(from, first), to);
  }

  /** Rebuilds every rollup from the streams (after a time-zone change). */
  function rebuildRollups(): void {
    changes++;
    sql.exec('DELETE FROM daily_stats'); sql.exec('DELETE FROM hourly_stats'); sql.exec('DELETE FROM track_stats');
    sql.exec('DELETE FROM sessions');
    const rows = sql.values('SELECT id, ended_at FROM streams');
    for (const [id, endedAt] of rows as [number, number][]) {
      const { day, hour } = tz.buckets(endedAt);
      sql.exec('UPDATE streams SET local_day = ?, local_hour = ? WHERE id = ?', [day, hour, id]);
    }
    for (const row of sql.all('SELECT * FROM streams')) contribute(decode(row), 1);
    flush();
  }

  return { insert, update, claimKeys, nextId, hasKey, knownKeys, candidates, rowsByIds, toStreamRow, flush, discard, rebuildRollups,
    beginBulk, deferSessions, endBulk, recomputeWindow,
    /** How many stream writes happened so far (see the store's writeVersion). */
    get changes(): number { return changes; } };
}

export type Streams = ReturnType<typeof createStreams>;
