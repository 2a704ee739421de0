import { STREAM_ROW_SELECT } from '../store/index.js';
import type { StreamRow, StreamKind } from '../types.js';
import { escapeLike, type Range, type StatsContext } from './context.js';
import { MS_PER_DAY, dowOfDay } from '../time.js';

export interface Summary {
  /** music streams of >= 30 s (PRODUCT.md "play") */
  plays: number;
  /** sum of ms_played over music streams (PRODUCT.md "listening time"), ms */
  listening_ms: number;
  skips: number;
  streams: number;
  distinct_tracks: number;
  distinct_artists: number;
}

export interface TopItem {
  rank: number; id: number; name: string; artist_name: string | null; album_name: string | null;
  image_url: string | null; plays: number; ms_played: number;
}


export interface StreamQuery extends Range {
  artist?: string | undefined; track?: string | undefined; kind?: StreamKind | 'all' | undefined;
  q?: string | undefined; limit: number;
  /** keyset cursor: only streams older than this `ended_at:id` */
  before?: string | undefined;
}


/**
 * The WHERE conditions (aliases s = streams, t = tracks, ar = artists, al = albums) and their
 * parameters of the listening log's filters: range, account, kind, artist and track name prefixes
 * (LIKE patterns), free text in track, artist or album name. `names` says whether a condition needs
 * the name joins. Shared by the log and its count, so both always match the same streams.
 */
export function logFilter(query: Omit<StreamQuery, 'limit' | 'before'>, accountFilter: StatsContext['accountFilter']):
  { where: string[]; params: (number | string)[]; names: boolean } {
  const where: string[] = ['s.ended_at BETWEEN ? AND ?'];
  const params: (number | string)[] = [query.from, query.to];
  const acc = accountFilter(query);
  if (acc.params.length) { where.push('s.account_id = ?'); params.push(...acc.params); }
  if (query.kind && query.kind !== 'all') { where.push('s.kind = ?'); params.push(query.kind === 'play' ? 1 : query.kind === 'skip' ? 2 : 0); }
  if (query.artist) { where.push('ar.name LIKE ? ESCAPE \'\\\''); params.push(escapeLike(query.artist)); }
  if (query.track) { where.push('t.name LIKE ? ESCAPE \'\\\''); params.push(escapeLike(query.track)); }
  if (query.q) {
    where.push('(t.name LIKE ? ESCAPE \'\\\' OR ar.name LIKE ? ESCAPE \'\\\' OR al.name LIKE ? ESCAPE \'\\\')');
    const like = `%${escapeLike(query.q)}%`;
    params.push(like, like, like);
  }
  return { where, params, names: Boolean(query.artist || query.track || query.q) };
}

export function createListeningStats({ store, sql, accountFilter, coversAll }: StatsContext) {
  function summary(range: Range): Summary {
    const acc = accountFilter(range);
    if (coversAll(range)) {
      const totals = sql.get<Record<string, number | null>>(
        `SELECT sum(plays) AS plays, sum(ms_played) AS ms, sum(skips) AS skips, sum(streams) AS streams FROM daily_stats WHERE 1 = 1${acc.clause}`, acc.params)!;
      const distinct = sql.get<{ t: number; a: number }>(`SELECT count(DISTINCT ts.track_id) AS t, count(DISTINCT t.artist_id) AS a
        FROM track_stats ts JOIN tracks t ON t.id = ts.track_id WHERE ts.plays > 0${acc.clause.replace('account_id', 'ts.account_id')}`, acc.params)!;
      return { plays: totals.plays ?? 0, listening_ms: totals.ms ?? 0, skips: totals.skips ?? 0, streams: totals.streams ?? 0,
        distinct_tracks: distinct.t, distinct_artists: distinct.a };
    }
    const totals = sql.get<Record<string, number | null>>(`SELECT sum(kind = 1) AS plays, sum(ms_played) AS ms, sum(kind = 2) AS skips,
      count(*) AS streams FROM streams WHERE ended_at BETWEEN ? AND ? AND content = 0${acc.clause}`, [range.from, range.to, ...acc.params])!;
    const distinct = sql.get<{ t: number; a: number }>(`SELECT count(*) AS t, count(DISTINCT t.artist_id) AS a FROM
      (SELECT DISTINCT track_id FROM streams WHERE ended_at BETWEEN ? AND ? AND kind = 1${acc.clause}) p JOIN tracks t ON t.id = p.track_id`,
      [range.from, range.to, ...acc.params])!;
    return { plays: totals.plays ?? 0, listening_ms: totals.ms ?? 0, skips: totals.skips ?? 0, streams: totals.streams ?? 0,
      distinct_tracks: distinct.t, distinct_artists: distinct.a };
  }

  /** Per-track plays and ms in the range (music only; `all`: the range covers every stream), aggregated before any join. */
  function trackAggregate(all: boolean): string {
    return all
      ? `SELECT track_id, sum(plays) AS plays, sum(ms_played) AS ms FROM track_stats WHERE 1 = 1 ACC GROUP BY track_id`
      : `SELECT track_id, sum(kind = 1) AS plays, sum(ms_played) AS ms FROM streams WHERE ended_at BETWEEN ? AND ? AND content = 0 ACC GROUP BY track_id`;
  }

  /** Top tracks, artists or albums by plays or by listening time. */
  function top(what: 'tracks' | 'artists' | 'albums', range: Range, limit: number, by: 'plays' | 'ms'): TopItem[] {
    const acc = accountFilter(range);
    const all = coversAll(range);
    // Top lists rank what was played: a track, artist or album with only skips is never on them.
    const agg = `${trackAggregate(all).replace('ACC', acc.clause)} HAVING plays > 0`;
    const params = all ? acc.params : [range.from, range.to, ...acc.params];
    const order = by === 'plays' ? 'plays DESC, ms DESC' : 'ms DESC, plays DESC';
    let rows: Record<string, unknown>[];
    if (what === 'tracks') {
      rows = sql.all(`SELECT a.track_id AS id, t.name AS name, ar.name AS artist_name, al.name AS album_name, al.image_url AS image_url,
          a.plays AS plays, a.ms AS ms FROM (${agg} ORDER BY ${order} LIMIT ?) a JOIN tracks t ON t.id = a.track_id
          LEFT JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id ORDER BY ${order}`, [...params, limit]);
    } else if (what === 'artists') {
      rows = sql.all(`SELECT t.artist_id AS id, ar.name AS name, ar.name AS artist_name, NULL AS album_name, NULL AS image_url,
          sum(a.plays) AS plays, sum(a.ms) AS ms FROM (${agg}) a JOIN tracks t ON t.id = a.track_id
          JOIN artists ar ON ar.id = t.artist_id GROUP BY t.artist_id ORDER BY ${order} LIMIT ?`, [...params, limit]);
    } else {
      rows = sql.all(`SELECT t.album_id AS id, al.name AS name, ar.name AS artist_name, al.name AS album_name, al.image_url AS image_url,
          sum(a.plays) AS plays, sum(a.ms) AS ms FROM (${agg}) a JOIN tracks t ON t.id = a.track_id
          JOIN albums al ON al.id = t.album_id LEFT JOIN artists ar ON ar.id = al.artist_id GROUP BY t.album_id ORDER BY ${order} LIMIT ?`,
      [...params, limit]);
    }
    return rows.map((r, i) => ({ rank: i + 1, id: r.id as number, name: r.name as string, artist_name: (r.artist_name as string) ?? null,
      album_name: (r.album_name as string) ?? null, image_url: (r.image_url as string) ?? null, plays: (r.plays as number) ?? 0,
      ms_played: (r.ms as number) ?? 0 }));
  }

  /** Listening per day, ISO week (Monday start) or month, in the configured zone. `start` is the bucket's first local day (YYYY-MM-DD). */
  function timeline(range: Range, bucket: 'day' | 'week' | 'month'): { start: string; plays: number; skips: number; ms_played: number }[] {
    const acc = accountFilter(range);
    const rows = (coversAll(range)
      ? sql.values(`SELECT local_day, sum(plays), sum(skips), sum(ms_played) FROM daily_stats WHERE 1 = 1${acc.clause} GROUP BY 1 ORDER BY 1`, acc.params)
      : sql.values(`SELECT local_day, sum(kind = 1), sum(kind = 2), sum(ms_played) FROM streams WHERE ended_at BETWEEN ? AND ?
          AND content = 0${acc.clause} GROUP BY 1 ORDER BY 1`, [range.from, range.to, ...acc.params])) as number[][];
    const out = new Map<string, { start: string; plays: number; skips: number; ms_played: number }>();
    for (const [day, p, s, m] of rows) {
      let first = day!;
      if (bucket === 'week') first = day! - dowOfDay(day!);
      const date = new Date(first * MS_PER_DAY).toISOString().slice(0, 10);
      const key = bucket === 'month' ? `${date.slice(0, 7)}-01` : date;
      const entry = out.get(key) ?? { start: key, plays: 0, skips: 0, ms_played: 0 };
      entry.plays += p!; entry.skips += s!; entry.ms_played += m!;
      out.set(key, entry);
    }
    return [...out.values()];
  }

  /** The listening log, newest first, keyset-paged by `before` ("ended_at:id"). */
  function streams(query: StreamQuery): { streams: StreamRow[]; next: string | null } {
    const { where, params } = logFilter(query, accountFilter);
    if (query.before) {
      const [endedAt, id] = query.before.split(':').map(Number);
      where.push('(s.ended_at < ? OR (s.ended_at = ? AND s.id < ?))');
      params.push(endedAt!, endedAt!, id!);
    }
    const rows = sql.all(`${STREAM_ROW_SELECT} WHERE ${where.join(' AND ')} ORDER BY s.ended_at DESC, s.id DESC LIMIT ?`,
      [...params, query.limit + 1]).map((r) => store.streams.toStreamRow(r));
    const more = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { streams: page, next: more && last ? `${last.ended_at}:${last.id}` : null };
  }

  return { summary, top, timeline, streams };
}

/** The listening statistics. */
export type ListeningStats = ReturnType<typeof createListeningStats>;
