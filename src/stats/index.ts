import type { Store } from '../store/index.js';
import { STREAM_ROW_SELECT, SESSION_GAP_MS, EARLY_SKIP_MS, type Row } from '../store/index.js';
import { createTimeZoneMath, dowOfDay, MS_PER_DAY, type TimeZoneMath } from '../time.js';
import { NotFoundError } from '../errors.js';
import type { StreamRow, StreamKind } from '../types.js';

/** A time range [from, to] in ms since the epoch (inclusive), optionally one account. */
export interface Range { from: number; to: number; account?: string | undefined }

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
 * Listening statistics as functions of (store, range, time zone) → plain data (ARCHITECTURE.md
 * "stats"). Ranges that cover all stored data are served from rollup tables; other ranges aggregate
 * over the streams' ended_at index first and join names last.
 */
export function createStats(store: Store) {
  const { sql } = store;

  function accountFilter(range: Range): { clause: string; params: number[] } {
    if (!range.account) return { clause: '', params: [] };
    const id = store.catalog.findAccountId(range.account);
    if (id === undefined) throw new NotFoundError(`account "${range.account}"`);
    return { clause: ' AND account_id = ?', params: [id] };
  }

  /** True when [from, to] holds every stored stream (then rollups answer). */
  function coversAll(range: Range): boolean {
    // Two statements: SQLite answers a lone min() or max() from the index, both together by a full scan.
    const first = sql.get<{ t: number | null }>('SELECT min(ended_at) AS t FROM streams')?.t ?? null;
    const last = sql.get<{ t: number | null }>('SELECT max(ended_at) AS t FROM streams')?.t ?? null;
    if (first === null || last === null) return true;
    return range.from <= first && range.to >= last;
  }

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
    const agg = trackAggregate(all).replace('ACC', acc.clause);
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

  /**
   * Plays and listening ms by weekday (0 = Monday) × hour of day in `timeZone`. The configured zone
   * uses the stored local buckets (or the hourly rollup for all time); any other zone is computed per stream.
   */
  function heatmap(range: Range, timeZone: string): { plays: number[][]; skips: number[][]; ms_played: number[][] } {
    const acc = accountFilter(range);
    const plays = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
    const skips = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
    const ms = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
    if (timeZone === store.tz.timeZone) {
      if (coversAll(range)) {
        for (const [dow, hour, p, k, m] of sql.values(`SELECT local_dow, local_hour, sum(plays), sum(skips), sum(ms_played) FROM hourly_stats
            WHERE 1 = 1${acc.clause} GROUP BY 1, 2`, acc.params) as number[][]) {
          add(plays, dow!, hour!, p!); add(skips, dow!, hour!, k!); add(ms, dow!, hour!, m!);
        }
      } else {
        for (const [day, hour, p, k, m] of sql.values(`SELECT local_day, local_hour, sum(kind = 1), sum(kind = 2), sum(ms_played) FROM streams
            WHERE ended_at BETWEEN ? AND ? AND content = 0${acc.clause} GROUP BY 1, 2`, [range.from, range.to, ...acc.params]) as number[][]) {
          const dow = dowOfDay(day!);
          add(plays, dow, hour!, p!); add(skips, dow, hour!, k!); add(ms, dow, hour!, m!);
        }
      }
      return { plays, skips, ms_played: ms };
    }
    // Another zone: aggregate by UTC hour in SQL (offsets change on whole hours), map each hour in JS.
    const tz: TimeZoneMath = createTimeZoneMath(timeZone);
    for (const [hourIndex, p, k, m] of sql.values(`SELECT ended_at / 3600000, sum(kind = 1), sum(kind = 2), sum(ms_played) FROM streams
        WHERE ended_at BETWEEN ? AND ? AND content = 0${acc.clause} GROUP BY 1`, [range.from, range.to, ...acc.params]) as number[][]) {
      const b = tz.buckets(hourIndex! * 3_600_000);
      add(plays, b.dow, b.hour, p!); add(skips, b.dow, b.hour, k!); add(ms, b.dow, b.hour, m!);
    }
    return { plays, skips, ms_played: ms };
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

  /** Sessions (PRODUCT.md: plays with gaps <= 20 min) ending in the range, newest first, with a summary (aggregated in SQL). */
  function sessions(range: Range, limit: number) {
    const acc = accountFilter(range);
    const where = `ended_at BETWEEN ? AND ?${acc.clause}`;
    const params = [range.from, range.to, ...acc.params];
    const edges = [15, 30, 60, 120, 240];
    const buckets = edges.map((e, i) => `sum(ended_at - started_at >= ${(i === 0 ? 0 : edges[i - 1]!) * 60_000} AND ended_at - started_at < ${e * 60_000})`);
    buckets.push(`sum(ended_at - started_at >= ${edges.at(-1)! * 60_000})`);
    const summary = sql.values(`SELECT count(*), coalesce(sum(ended_at - started_at), 0), ${buckets.join(', ')} FROM sessions WHERE ${where}`, params)[0] as number[];
    const toRow = (r: Row) => ({ account: store.catalog.accountName(r.account_id as number), started_at: r.started_at as number,
      ended_at: r.ended_at as number, plays: r.plays as number, ms_played: r.ms_played as number });
    const longest = sql.get(`SELECT * FROM sessions WHERE ${where} ORDER BY ended_at - started_at DESC LIMIT 1`, params);
    const count = summary[0] ?? 0;
    const total = summary[1] ?? 0;
    return {
      gap_ms: SESSION_GAP_MS,
      count,
      total_ms: total,
      average_ms: count ? Math.round(total / count) : 0,
      longest: longest ? toRow(longest) : null,
      distribution: [...edges, null].map((edge, i) => ({ min_minutes: i === 0 ? 0 : edges[i - 1]!, max_minutes: edge, count: summary[i + 2] ?? 0 })),
      sessions: sql.all(`SELECT * FROM sessions WHERE ${where} ORDER BY ended_at DESC LIMIT ?`, [...params, limit]).map(toRow),
    };
  }

  /** The listening log, newest first, keyset-paged by `before` ("ended_at:id"). */
  function streams(query: StreamQuery): { streams: StreamRow[]; next: string | null } {
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

  /**
   * The live counters of one account at `now` (Home Assistant entities): today's plays, skips and
   * listening time (local day in the configured zone), skip rate over the last 7 × 24 h (skips /
   * (plays + skips), %), top artist and track of the ISO week (Monday start), the listening streak
   * (consecutive local days with a play, ending today or yesterday), the last play and all stored plays.
   */
  function counters(account: string, now: number) {
    const today = store.tz.dayOf(now);
    if (store.catalog.findAccountId(account) === undefined) {
      return { plays_today: 0, skips_today: 0, listening_ms_today: 0, skip_rate_7d: null as number | null,
        top_artist_week: null as { name: string; plays: number } | null,
        top_track_week: null as { name: string; artist: string | null; plays: number } | null,
        streak_days: 0, last_play_at: null as number | null, stored_plays: 0, day_ends_at: store.tz.startOfDay(today + 1) };
    }
    const acc = accountFilter({ from: 0, to: now, account });
    const todayStart = store.tz.startOfDay(today);
    const t = summary({ from: todayStart, to: now, account });
    const week = summary({ from: now - 7 * 86_400_000, to: now, account });
    const weekStart = store.tz.startOfDay(today - dowOfDay(today));
    const topArtist = top('artists', { from: weekStart, to: now, account }, 1, 'plays')[0] ?? null;
    const topTrack = top('tracks', { from: weekStart, to: now, account }, 1, 'plays')[0] ?? null;
    const days = sql.values(`SELECT local_day FROM daily_stats WHERE plays > 0 AND local_day <= ?${acc.clause} GROUP BY local_day
      ORDER BY local_day DESC LIMIT 3700`, [today, ...acc.params]).map((r) => r[0] as number);
    let streak = 0;
    let expect = days[0] === today ? today : today - 1;
    for (const day of days) { if (day !== expect) break; streak++; expect--; }
    const last = sql.get<{ t: number | null }>(`SELECT max(ended_at) AS t FROM streams WHERE kind = 1${acc.clause}`, acc.params)?.t ?? null;
    const stored = sql.get<{ n: number | null }>(`SELECT sum(plays) AS n FROM daily_stats WHERE 1 = 1${acc.clause}`, acc.params)?.n ?? 0;
    const decided = week.plays + week.skips;
    return {
      plays_today: t.plays, skips_today: t.skips, listening_ms_today: t.listening_ms,
      skip_rate_7d: decided === 0 ? null : Math.round((week.skips / decided) * 1000) / 10,
      top_artist_week: topArtist ? { name: topArtist.name, plays: topArtist.plays } : null,
      top_track_week: topTrack ? { name: topTrack.name, artist: topTrack.artist_name, plays: topTrack.plays } : null,
      streak_days: streak, last_play_at: last, stored_plays: stored,
      /** When the local day ends (counters roll over then). */
      day_ends_at: store.tz.startOfDay(today + 1),
    };
  }

  /**
   * Discoveries: first plays of artists and tracks (from track_stats.first_at), per month of the
   * configured zone, and how many fall in the range.
   */
  function discoveries(range: Range) {
    const acc = accountFilter(range);
    const clause = acc.clause.replace('account_id', 'ts.account_id');
    const tracks = sql.values(`SELECT min(ts.first_at) FROM track_stats ts WHERE ts.plays > 0${clause} GROUP BY ts.track_id`, acc.params);
    const artists = sql.values(`SELECT min(ts.first_at) FROM track_stats ts JOIN tracks t ON t.id = ts.track_id
      WHERE ts.plays > 0 AND t.artist_id IS NOT NULL${clause} GROUP BY t.artist_id`, acc.params);
    const months = new Map<string, { month: string; new_tracks: number; new_artists: number }>();
    const bump = (at: number, field: 'new_tracks' | 'new_artists') => {
      if (at < range.from || at > range.to) return false;
      const month = new Date(store.tz.dayOf(at) * MS_PER_DAY).toISOString().slice(0, 7);
      const entry = months.get(month) ?? { month, new_tracks: 0, new_artists: 0 };
      entry[field]++; months.set(month, entry);
      return true;
    };
    let newTracks = 0; let newArtists = 0;
    for (const [at] of tracks as number[][]) if (at != null && bump(at, 'new_tracks')) newTracks++;
    for (const [at] of artists as number[][]) if (at != null && bump(at, 'new_artists')) newArtists++;
    return { new_tracks: newTracks, new_artists: newArtists, months: [...months.values()].sort((a, b) => a.month.localeCompare(b.month)) };
  }

  /** Skips: most-skipped tracks and artists, early (< 10 s) vs later skips, in the range. */
  function skips(range: Range, limit: number) {
    const acc = accountFilter(range);
    const all = coversAll(range);
    const params = all ? acc.params : [range.from, range.to, ...acc.params];
    const where = `ended_at BETWEEN ? AND ? AND content = 0${acc.clause}`;
    const split = all
      ? sql.get<{ early: number | null; later: number | null; plays: number | null }>(`SELECT sum(early_skips) AS early,
          sum(skips) - sum(early_skips) AS later, sum(plays) AS plays FROM daily_stats WHERE 1 = 1${acc.clause}`, acc.params)!
      : sql.get<{ early: number | null; later: number | null; plays: number | null }>(`SELECT sum(kind = 2 AND ms_played < ${EARLY_SKIP_MS}) AS early,
          sum(kind = 2 AND ms_played >= ${EARLY_SKIP_MS}) AS later, sum(kind = 1) AS plays FROM streams WHERE ${where}`, params)!;
    // Per-track skips and plays: the track_stats rollup for all time, else the streams in the range.
    const perTrack = all
      ? `SELECT track_id, sum(skips) AS skips, sum(plays) AS plays FROM track_stats WHERE 1 = 1${acc.clause} GROUP BY track_id`
      : `SELECT track_id, sum(kind = 2) AS skips, sum(kind = 1) AS plays FROM streams WHERE ${where} GROUP BY track_id`;
    const tracks = sql.all(`SELECT a.track_id AS id, t.name AS name, ar.name AS artist_name, a.skips AS skips, a.plays AS plays FROM
      (SELECT * FROM (${perTrack}) WHERE skips > 0 ORDER BY skips DESC, plays ASC LIMIT ?) a JOIN tracks t ON t.id = a.track_id
      LEFT JOIN artists ar ON ar.id = t.artist_id ORDER BY skips DESC, plays ASC`, [...params, limit]);
    const artists = sql.all(`SELECT t.artist_id AS id, ar.name AS name, sum(a.skips) AS skips, sum(a.plays) AS plays FROM (${perTrack}) a
      JOIN tracks t ON t.id = a.track_id JOIN artists ar ON ar.id = t.artist_id GROUP BY t.artist_id HAVING sum(a.skips) > 0
      ORDER BY sum(a.skips) DESC LIMIT ?`, [...params, limit]);
    const rate = (r: Record<string, unknown>) => {
      const k = Number(r.skips); const p = Number(r.plays);
      return k + p === 0 ? null : Math.round((k / (k + p)) * 1000) / 10;
    };
    return {
      early_skips: split.early ?? 0, later_skips: split.later ?? 0, plays: split.plays ?? 0,
      tracks: tracks.map((r) => ({ ...r, skip_rate: rate(r) })), artists: artists.map((r) => ({ ...r, skip_rate: rate(r) })),
    };
  }

  /**
   * Mood from the audio features of the plays whose tracks have an analysed file: the last 7 days
   * against the 6-month baseline (means of energy, valence, danceability, tempo), the weekly
   * trajectory, tempo (10 BPM buckets) and key distributions, and outliers: the tracks of the last
   * 90 days farthest from that period's centroid (energy, valence, danceability, tempo / 200).
   */
  function mood(account: string | undefined, toGiven: number | null, now: number) {
    const acc = accountFilter({ from: 0, to: now, account });
    // Without an explicit end, the window ends at the newest play that has features (an imported history
    // from years ago still shows its mood).
    const latest = toGiven === null ? sql.get<{ t: number | null }>(`SELECT max(s.ended_at) AS t FROM streams s JOIN library_files lf ON lf.track_id = s.track_id
      AND lf.status = 1 WHERE s.kind = 1${acc.clause.replace('account_id', 's.account_id')}`, acc.params)?.t ?? null : null;
    const to = toGiven ?? Math.min(now, latest ?? now);
    const clause = acc.clause.replace('account_id', 's.account_id');
    const from = to - 182 * MS_PER_DAY;
    const rows = sql.values(`SELECT s.ended_at, s.track_id, f.energy, f.valence, f.danceability, f.tempo_bpm, f.key, f.mode FROM streams s
      JOIN (SELECT track_id, max(id) AS file_id FROM library_files WHERE status = 1 AND track_id IS NOT NULL GROUP BY track_id) lf ON lf.track_id = s.track_id
      JOIN audio_features f ON f.file_id = lf.file_id
      WHERE s.kind = 1 AND s.ended_at BETWEEN ? AND ?${clause}`, [from, to, ...acc.params]) as (number | string | null)[][];
    const plays = sql.get<{ n: number }>(`SELECT count(*) AS n FROM streams WHERE kind = 1 AND ended_at BETWEEN ? AND ?${acc.clause}`, [from, to, ...acc.params])!.n;
    type Vec = { energy: number; valence: number; danceability: number; tempo_bpm: number };
    const mean = (list: typeof rows): Vec | null => {
      const ok = list.filter((r) => r[2] !== null && r[3] !== null && r[4] !== null && r[5] !== null);
      if (ok.length === 0) return null;
      const avg = (i: number) => Math.round((ok.reduce((a, r) => a + Number(r[i]), 0) / ok.length) * 1000) / 1000;
      return { energy: avg(2), valence: avg(3), danceability: avg(4), tempo_bpm: Math.round(avg(5) * 10) / 10 };
    };
    const weeks = new Map<number, typeof rows>();
    for (const r of rows) { const day = store.tz.dayOf(Number(r[0])); const w = day - dowOfDay(day); weeks.set(w, [...(weeks.get(w) ?? []), r]); }
    const tempo = new Map<number, number>(); const keys = new Map<string, number>();
    for (const r of rows) {
      if (r[5] !== null) { const b = Math.floor(Number(r[5]) / 10) * 10; tempo.set(b, (tempo.get(b) ?? 0) + 1); }
      if (r[6] !== null) { const k = `${String(r[6])} ${String(r[7])}`; keys.set(k, (keys.get(k) ?? 0) + 1); }
    }
    const recent = rows.filter((r) => Number(r[0]) >= to - 90 * MS_PER_DAY);
    const centre = mean(recent);
    const byTrack = new Map<number, (number | string | null)[]>();
    for (const r of recent) byTrack.set(Number(r[1]), r);
    const distance = (r: (number | string | null)[]) => !centre ? 0 : Math.hypot(Number(r[2]) - centre.energy, Number(r[3]) - centre.valence,
      Number(r[4]) - centre.danceability, (Number(r[5]) - centre.tempo_bpm) / 200);
    const outliers = [...byTrack.entries()].filter(([, r]) => r[2] !== null && r[5] !== null)
      .map(([trackId, r]) => ({ track_id: trackId, distance: Math.round(distance(r) * 1000) / 1000, energy: r[2], valence: r[3], tempo_bpm: r[5] }))
      .sort((a, b) => b.distance - a.distance).slice(0, 10)
      .map((o) => ({ ...o, ...sql.get<{ name: string; artist_name: string | null }>(`SELECT t.name AS name, ar.name AS artist_name FROM tracks t
        LEFT JOIN artists ar ON ar.id = t.artist_id WHERE t.id = ?`, [o.track_id]) }));
    return {
      plays_with_features: rows.length, plays, coverage: plays ? Math.round((rows.length / plays) * 1000) / 10 : 0,
      week: mean(rows.filter((r) => Number(r[0]) >= to - 7 * MS_PER_DAY)), baseline: mean(rows),
      weekly: [...weeks.entries()].sort((a, b) => a[0] - b[0]).map(([w, list]) => ({ week: new Date(w * MS_PER_DAY).toISOString().slice(0, 10), ...mean(list) })),
      tempo: [...tempo.entries()].sort((a, b) => a[0] - b[0]).map(([bpm, n]) => ({ bpm, plays: n })),
      keys: [...keys.entries()].sort((a, b) => b[1] - a[1]).map(([key, n]) => ({ key, plays: n })),
      outliers,
    };
  }

  /** Audio features of a Spotify track (from the user's own file matched to it), or null. */
  function trackFeatures(uri: string): Record<string, unknown> | null {
    return store.library.featuresOfUri(uri);
  }

  /** Stored totals per account (health, status, data page). */
  function totals(): { account: string; streams: number; plays: number; skips: number; last_ended_at: number | null }[] {
    return sql.all<{ account_id: number; streams: number; plays: number; skips: number; last: number | null }>(
      `SELECT account_id, count(*) AS streams, sum(kind = 1) AS plays, sum(kind = 2) AS skips, max(ended_at) AS last FROM streams GROUP BY account_id`)
      .map((r) => ({ account: store.catalog.accountName(r.account_id), streams: r.streams, plays: r.plays ?? 0, skips: r.skips ?? 0, last_ended_at: r.last }));
  }

  return { summary, top, heatmap, timeline, sessions, streams, totals, counters, discoveries, skips, trackFeatures, mood };
}

function add(grid: number[][], dow: number, hour: number, value: number): void {
  grid[dow]![hour] = (grid[dow]![hour] ?? 0) + value;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The live counters of one account (see {@link createStats} `counters`). */
export type Counters = ReturnType<ReturnType<typeof createStats>['counters']>;

/** The stats instance. */
export type Stats = ReturnType<typeof createStats>;
