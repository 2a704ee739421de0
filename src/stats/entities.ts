import { STREAM_ROW_SELECT } from '../store/index.js';
import type { StreamRow } from '../types.js';
import { MS_PER_DAY } from '../time.js';
import type { Range, StatsContext } from './context.js';

/** What an entity page is about. An artist's tracks are those it is the primary (first credited) artist of, as in the top lists. */
export type EntityKind = 'artist' | 'track' | 'album';

/** A month of one entity's listening: `month` is YYYY-MM in the configured zone. */
export interface EntityMonth { month: string; plays: number; skips: number; ms_played: number }

/** Which of the streams table's tracks belong to an entity (a SQL fragment over `s`, one `?` for the id). */
const TRACKS_OF: Record<EntityKind, string> = {
  track: 's.track_id = ?',
  artist: 's.track_id IN (SELECT id FROM tracks WHERE artist_id = ?)',
  album: 's.track_id IN (SELECT id FROM tracks WHERE album_id = ?)',
};
/** The same over the track_stats rollup (`ts`). */
const ROLLUP_OF: Record<EntityKind, string> = {
  track: 'ts.track_id = ?',
  artist: 'ts.track_id IN (SELECT id FROM tracks WHERE artist_id = ?)',
  album: 'ts.track_id IN (SELECT id FROM tracks WHERE album_id = ?)',
};

/** STREAM_ROW_SELECT reading streams through the per-track index (the planner would otherwise walk the ended_at index). */
const BY_TRACK_SELECT = STREAM_ROW_SELECT.replace('FROM streams s', 'FROM streams s INDEXED BY streams_track_ended');

/** The month (YYYY-MM) of a local day number. */
const monthOfDay = (day: number) => new Date(day * MS_PER_DAY).toISOString().slice(0, 7);
/** The local day number of the first day of a month (YYYY-MM). */
const dayOfMonth = (month: string) => Date.parse(`${month}-01T00:00:00Z`) / MS_PER_DAY;
const nextMonth = (month: string) => {
  const d = new Date(`${month}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 7);
};
const rate = (skips: number, plays: number) => (skips + plays === 0 ? null : Math.round((skips / (skips + plays)) * 1000) / 10);

/**
 * Artist, track and album pages: an entity's totals in a range, its first and last play, its months,
 * best months, rank history, skips, top tracks and albums, and its own listening log. Reads go through
 * an index on streams(track_id, ended_at) (created here once, derived: it holds nothing the streams do
 * not), so a page costs the entity's own streams, not a scan of the whole history.
 */
export function createEntityStats({ store, sql, accountFilter, coversAll }: StatsContext) {
  store.migrateModule('stats.entities', ['CREATE INDEX IF NOT EXISTS streams_track_ended ON streams(track_id, ended_at)']);

  /** Name, artist, album and Spotify ids of an entity; null when there is no such id. */
  function header(kind: EntityKind, id: number) {
    if (kind === 'track') {
      const r = sql.get<{ name: string; uri: string | null; duration_ms: number | null; isrc: string | null; artist_id: number | null;
        artist_name: string | null; album_id: number | null; album_name: string | null }>(`SELECT t.name AS name, t.uri AS uri,
        t.duration_ms AS duration_ms, t.isrc AS isrc, t.artist_id AS artist_id, ar.name AS artist_name, t.album_id AS album_id,
        al.name AS album_name FROM tracks t LEFT JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id WHERE t.id = ?`, [id]);
      if (!r) return null;
      const credited = sql.all<{ id: number; name: string }>(`SELECT ar.id AS id, ar.name AS name FROM track_artists ta
        JOIN artists ar ON ar.id = ta.artist_id WHERE ta.track_id = ? ORDER BY ta.position`, [id]);
      const spotifyId = r.uri?.startsWith('spotify:track:') ? r.uri.slice('spotify:track:'.length) : null;
      return { kind, id, name: r.name, uri: r.uri, isrc: r.isrc, duration_ms: r.duration_ms,
        artist: r.artist_id === null ? null : { id: r.artist_id, name: r.artist_name ?? '' },
        artists: credited.length > 0 ? credited : r.artist_id === null ? [] : [{ id: r.artist_id, name: r.artist_name ?? '' }],
        album: r.album_id === null ? null : { id: r.album_id, name: r.album_name ?? '' },
        spotify_url: spotifyId ? `https://open.spotify.com/track/${spotifyId}` : null };
    }
    if (kind === 'artist') {
      const r = sql.get<{ name: string; spotify_id: string | null }>('SELECT name, spotify_id FROM artists WHERE id = ?', [id]);
      if (!r) return null;
      return { kind, id, name: r.name, uri: r.spotify_id ? `spotify:artist:${r.spotify_id}` : null, isrc: null, duration_ms: null,
        artist: null, artists: [], album: null, spotify_url: r.spotify_id ? `https://open.spotify.com/artist/${r.spotify_id}` : null };
    }
    const r = sql.get<{ name: string; spotify_id: string | null; artist_id: number | null; artist_name: string | null }>(`SELECT al.name AS name,
      al.spotify_id AS spotify_id, al.artist_id AS artist_id, ar.name AS artist_name FROM albums al LEFT JOIN artists ar ON ar.id = al.artist_id
      WHERE al.id = ?`, [id]);
    if (!r) return null;
    return { kind, id, name: r.name, uri: r.spotify_id ? `spotify:album:${r.spotify_id}` : null, isrc: null, duration_ms: null,
      artist: r.artist_id === null ? null : { id: r.artist_id, name: r.artist_name ?? '' }, artists: [], album: null,
      spotify_url: r.spotify_id ? `https://open.spotify.com/album/${r.spotify_id}` : null };
  }

  /** Plays, skips, listening ms and streams of the entity in the range (music only for artists and albums, as the top lists count). */
  function totals(kind: EntityKind, id: number, range: Range, all: boolean) {
    const acc = accountFilter(range);
    const music = kind === 'track' ? '' : ' AND s.content = 0';
    if (all) {
      const r = sql.get<{ plays: number | null; skips: number | null; ms: number | null }>(`SELECT sum(ts.plays) AS plays, sum(ts.skips) AS skips,
        sum(ts.ms_played) AS ms FROM track_stats ts WHERE ${ROLLUP_OF[kind]}${acc.clause.replace('account_id', 'ts.account_id')}`, [id, ...acc.params]);
      const streams = sql.get<{ n: number }>(`SELECT count(*) AS n FROM streams s INDEXED BY streams_track_ended WHERE ${TRACKS_OF[kind]}${music}${acc.clause.replace('account_id', 's.account_id')}`,
        [id, ...acc.params])!.n;
      // track_stats holds music only: an episode page counts its streams directly.
      if (kind === 'track' && (r?.plays ?? 0) + (r?.skips ?? 0) === 0 && streams > 0) return totals(kind, id, range, false);
      return { plays: r?.plays ?? 0, skips: r?.skips ?? 0, ms_played: r?.ms ?? 0, streams };
    }
    const r = sql.get<{ plays: number | null; skips: number | null; ms: number | null; n: number }>(`SELECT sum(s.kind = 1) AS plays,
      sum(s.kind = 2) AS skips, sum(s.ms_played) AS ms, count(*) AS n FROM streams s INDEXED BY streams_track_ended WHERE ${TRACKS_OF[kind]} AND s.ended_at BETWEEN ? AND ?${music}
      ${acc.clause.replace('account_id', 's.account_id')}`, [id, range.from, range.to, ...acc.params])!;
    return { plays: r.plays ?? 0, skips: r.skips ?? 0, ms_played: r.ms ?? 0, streams: r.n };
  }

  /** Per-month plays, skips and ms of the entity in the range, oldest first (only months with streams). */
  function months(kind: EntityKind, id: number, range: Range): EntityMonth[] {
    const acc = accountFilter(range);
    const music = kind === 'track' ? '' : ' AND s.content = 0';
    const rows = sql.values(`SELECT s.local_day, sum(s.kind = 1), sum(s.kind = 2), sum(s.ms_played) FROM streams s INDEXED BY streams_track_ended WHERE ${TRACKS_OF[kind]}
      AND s.ended_at BETWEEN ? AND ?${music}${acc.clause.replace('account_id', 's.account_id')} GROUP BY s.local_day`,
    [id, range.from, range.to, ...acc.params]) as number[][];
    const out = new Map<string, EntityMonth>();
    for (const [day, plays, skips, ms] of rows) {
      const month = monthOfDay(day!);
      const m = out.get(month) ?? { month, plays: 0, skips: 0, ms_played: 0 };
      m.plays += plays!; m.skips += skips!; m.ms_played += ms!;
      out.set(month, m);
    }
    return [...out.values()].sort((a, b) => a.month.localeCompare(b.month));
  }

  /**
   * The entity's rank among all entities of its kind by plays, per month, for the last `count` months
   * in which it was played (competition ranking: 1 + the number with more plays that month).
   */
  function rankHistory(kind: EntityKind, id: number, range: Range, played: EntityMonth[], count = 12): { month: string; rank: number; plays: number }[] {
    const acc = accountFilter(range);
    const group = kind === 'track' ? 's.track_id' : kind === 'artist' ? 't.artist_id' : 't.album_id';
    const out: { month: string; rank: number; plays: number }[] = [];
    for (const m of played.filter((x) => x.plays > 0).slice(-count)) {
      const from = Math.max(range.from, store.tz.startOfDay(dayOfMonth(m.month)));
      const to = Math.min(range.to, store.tz.startOfDay(dayOfMonth(nextMonth(m.month))) - 1);
      const above = sql.get<{ n: number }>(`SELECT count(*) AS n FROM (SELECT ${group} AS e, count(*) AS plays FROM streams s
        JOIN tracks t ON t.id = s.track_id WHERE s.ended_at BETWEEN ? AND ? AND s.kind = 1 AND s.content = 0
        ${acc.clause.replace('account_id', 's.account_id')} AND ${group} IS NOT NULL GROUP BY ${group}) WHERE plays > ?`,
      [from, to, ...acc.params, m.plays])!.n;
      out.push({ month: m.month, rank: above + 1, plays: m.plays });
    }
    return out;
  }

  /** First and last play of the entity (all time, this account), ms; null when never played. */
  function firstLast(kind: EntityKind, id: number, range: Range): { first_at: number | null; last_at: number | null } {
    const acc = accountFilter(range);
    const where = `${TRACKS_OF[kind]} AND s.kind = 1${acc.clause.replace('account_id', 's.account_id')}`;
    // Two statements: each is answered from the (track_id, ended_at) index.
    const first = sql.get<{ t: number | null }>(`SELECT min(s.ended_at) AS t FROM streams s INDEXED BY streams_track_ended WHERE ${where}`, [id, ...acc.params])?.t ?? null;
    const last = sql.get<{ t: number | null }>(`SELECT max(s.ended_at) AS t FROM streams s INDEXED BY streams_track_ended WHERE ${where}`, [id, ...acc.params])?.t ?? null;
    return { first_at: first, last_at: last };
  }

  /** Tracks (of an artist or album) or albums (of an artist) by plays in the range, with skips. */
  function parts(kind: 'artist' | 'album', id: number, range: Range, what: 'tracks' | 'albums', limit: number) {
    const acc = accountFilter(range);
    const agg = `SELECT s.track_id AS track_id, sum(s.kind = 1) AS plays, sum(s.kind = 2) AS skips, sum(s.ms_played) AS ms FROM streams s
      INDEXED BY streams_track_ended WHERE ${TRACKS_OF[kind]} AND s.ended_at BETWEEN ? AND ? AND s.content = 0${acc.clause.replace('account_id', 's.account_id')} GROUP BY s.track_id`;
    const params = [id, range.from, range.to, ...acc.params, limit];
    const rows = what === 'tracks'
      ? sql.all<{ id: number; name: string; album_id: number | null; plays: number; skips: number; ms: number }>(`SELECT a.track_id AS id, t.name AS name,
          t.album_id AS album_id, a.plays AS plays, a.skips AS skips, a.ms AS ms FROM (${agg}) a JOIN tracks t ON t.id = a.track_id
          ORDER BY a.plays DESC, a.ms DESC LIMIT ?`, params)
      : sql.all<{ id: number; name: string; album_id: number | null; plays: number; skips: number; ms: number }>(`SELECT t.album_id AS id, al.name AS name,
          t.album_id AS album_id, sum(a.plays) AS plays, sum(a.skips) AS skips, sum(a.ms) AS ms FROM (${agg}) a JOIN tracks t ON t.id = a.track_id
          JOIN albums al ON al.id = t.album_id GROUP BY t.album_id ORDER BY sum(a.plays) DESC, sum(a.ms) DESC LIMIT ?`, params);
    return rows.map((r) => ({ id: r.id, name: r.name, album_id: r.album_id, plays: r.plays ?? 0, skips: r.skips ?? 0, ms_played: r.ms ?? 0,
      skip_rate: rate(r.skips ?? 0, r.plays ?? 0) }));
  }

  /**
   * An artist, track or album page for the range: header, totals (plays, skips, skip rate in %,
   * listening ms), first and last play (all time), months (YYYY-MM, configured zone), the three best
   * months by plays, the rank history, top tracks and albums (artist), tracks (album), the most-skipped
   * tracks (artist, album) and the audio features of a track analysed from the user's own file.
   * Returns null when no entity has this id.
   */
  function entity(kind: EntityKind, id: number, range: Range) {
    const head = header(kind, id);
    if (!head) return null;
    const all = coversAll(range);
    const t = totals(kind, id, range, all);
    const monthly = months(kind, id, range);
    const tracks = kind === 'track' ? [] : parts(kind, id, range, 'tracks', 50);
    const features = kind === 'track' ? store.library.featuresOfTrack(id) : null;
    // The file's path is a server detail: never sent to the browser.
    if (features) delete features.path;
    return {
      ...head,
      totals: { ...t, skip_rate: rate(t.skips, t.plays) },
      ...firstLast(kind, id, range),
      months: monthly,
      best_months: [...monthly].filter((m) => m.plays > 0).sort((a, b) => b.plays - a.plays || b.ms_played - a.ms_played).slice(0, 3),
      rank_history: rankHistory(kind, id, range, monthly),
      top_tracks: tracks.slice(0, 10),
      top_albums: kind === 'artist' ? parts(kind, id, range, 'albums', 10) : [],
      tracks: kind === 'album' ? tracks : [],
      most_skipped: tracks.filter((x) => x.skips > 0).sort((a, b) => b.skips - a.skips || a.plays - b.plays).slice(0, 5),
      features,
    };
  }

  /**
   * The entity's own listening log in the range, newest first, keyset-paged by `before`
   * ("ended_at:id", from the previous page's `next`), with the total count of matching streams.
   */
  function entityStreams(kind: EntityKind, id: number, query: Range & { limit: number; before?: string | undefined }):
    { streams: StreamRow[]; next: string | null; total: number } {
    const acc = accountFilter(query);
    const where = [TRACKS_OF[kind], 's.ended_at BETWEEN ? AND ?'];
    const params: number[] = [id, query.from, query.to];
    if (acc.params.length) { where.push('s.account_id = ?'); params.push(...acc.params); }
    const total = sql.get<{ n: number }>(`SELECT count(*) AS n FROM streams s INDEXED BY streams_track_ended WHERE ${where.join(' AND ')}`, params)!.n;
    if (query.before) {
      const [endedAt, streamId] = query.before.split(':').map(Number);
      where.push('(s.ended_at < ? OR (s.ended_at = ? AND s.id < ?))');
      params.push(endedAt!, endedAt!, streamId!);
    }
    const rows = sql.all(`${BY_TRACK_SELECT} WHERE ${where.join(' AND ')} ORDER BY s.ended_at DESC, s.id DESC LIMIT ?`, [...params, query.limit + 1])
      .map((r) => store.streams.toStreamRow(r));
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { streams: page, next: rows.length > query.limit && last ? `${last.ended_at}:${last.id}` : null, total };
  }

  return { entity, entityStreams };
}

/** An entity page (see createEntityStats `entity`). */
export type EntityPage = NonNullable<ReturnType<ReturnType<typeof createEntityStats>['entity']>>;
