import { STREAM_ROW_SELECT } from '../store/index.js';
import type { StreamRow } from '../types.js';
import { MS_PER_DAY } from '../time.js';
import type { Range, StatsContext } from './context.js';
import type { createRangeCache } from './cache.js';
import { byMonth as monthOrder } from './patterns.js';

type Memo = ReturnType<typeof createRangeCache>['memo'];

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
/** The per-track index; a big import drops it and builds it again when it ends (store.beginBulkLoad). */
const TRACK_INDEX = 'streams_track_ended';
/** The same walking the ended_at index newest first: quicker for an entity with many streams (the page fills in a few steps). */
const BY_TIME_SELECT = STREAM_ROW_SELECT.replace('FROM streams s', 'FROM streams s INDEXED BY streams_ended_at');
/** Past this many streams of an entity its log walks the time index instead of sorting its own streams. */
const MANY_STREAMS = 5000;

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
export function createEntityStats({ store, sql, accountFilter, coversAll }: StatsContext, memo: Memo) {
  // Created here when missing, at every start (it was module migration 1 of 'stats.entities' before bulk loads could drop it).
  store.deferrableIndex(TRACK_INDEX, `CREATE INDEX IF NOT EXISTS ${TRACK_INDEX} ON streams(track_id, ended_at)`);
  /** Reads go through the per-track index (the planner would otherwise walk the ended_at index), except while an import has it dropped. */
  const viaTrackIndex = () => (store.indexReady(TRACK_INDEX) ? ` INDEXED BY ${TRACK_INDEX}` : '');
  /** STREAM_ROW_SELECT reading streams through the per-track index. */
  const byTrackSelect = () => STREAM_ROW_SELECT.replace('FROM streams s', `FROM streams s${viaTrackIndex()}`);

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

  /**
   * One pass over the entity's streams in the range (through the per-track index), grouped by track and
   * local day: everything the page shows is summed from it in JS (totals, months, tracks, albums).
   * Artists and albums count music only, as the top lists do.
   */
  function scan(kind: EntityKind, id: number, range: Range) {
    const acc = accountFilter(range);
    const music = kind === 'track' ? '' : ' AND s.content = 0';
    // All time: per-track sums come from the track_stats rollup, so the pass groups by day only (half the work).
    const all = coversAll(range) && kind !== 'track';
    const rows = (all
      ? sql.values(`SELECT 0, s.local_day, sum(s.kind = 1), sum(s.kind = 2), sum(s.ms_played), count(*) FROM streams s${viaTrackIndex()}
          WHERE ${TRACKS_OF[kind]}${music}${acc.clause.replace('account_id', 's.account_id')} GROUP BY s.local_day`,
      [id, ...acc.params])
      : sql.values(`SELECT s.track_id, s.local_day, sum(s.kind = 1), sum(s.kind = 2), sum(s.ms_played), count(*) FROM streams s${viaTrackIndex()}
          WHERE ${TRACKS_OF[kind]} AND s.ended_at BETWEEN ? AND ?${music}${acc.clause.replace('account_id', 's.account_id')}
          GROUP BY s.track_id, s.local_day`, [id, range.from, range.to, ...acc.params])) as number[][];
    const totals = { plays: 0, skips: 0, ms_played: 0, streams: 0 };
    const byMonth = new Map<string, EntityMonth>();
    const byTrack = new Map<number, { plays: number; skips: number; ms: number }>();
    let firstDay = Infinity; let lastDay = -Infinity;
    for (const [track, day, plays, skips, ms, n] of rows) {
      totals.plays += plays!; totals.skips += skips!; totals.ms_played += ms!; totals.streams += n!;
      const month = monthOfDay(day!);
      const m = byMonth.get(month) ?? { month, plays: 0, skips: 0, ms_played: 0 };
      m.plays += plays!; m.skips += skips!; m.ms_played += ms!;
      byMonth.set(month, m);
      if (!all) {
        const t = byTrack.get(track!) ?? { plays: 0, skips: 0, ms: 0 };
        t.plays += plays!; t.skips += skips!; t.ms += ms!;
        byTrack.set(track!, t);
      }
      if (plays! > 0) { firstDay = Math.min(firstDay, day!); lastDay = Math.max(lastDay, day!); }
    }
    if (all) {
      const column = kind === 'artist' ? 'artist_id' : 'album_id';
      for (const [track, plays, skips, ms] of sql.values(`SELECT ts.track_id, sum(ts.plays), sum(ts.skips), sum(ts.ms_played) FROM track_stats ts
          WHERE ts.track_id IN (SELECT id FROM tracks WHERE ${column} = ?)${acc.clause.replace('account_id', 'ts.account_id')} GROUP BY ts.track_id`,
      [id, ...acc.params]) as number[][]) byTrack.set(track!, { plays: plays!, skips: skips!, ms: ms! });
    }
    return { totals, months: [...byMonth.values()].sort(monthOrder), byTrack,
      firstDay: Number.isFinite(firstDay) ? firstDay : null, lastDay: Number.isFinite(lastDay) ? lastDay : null };
  }

  /** The first (or last) play on a local day, ms: a probe of that day only, through the per-track index. */
  function playOn(kind: EntityKind, id: number, range: Range, day: number | null, which: 'min' | 'max'): number | null {
    if (day === null) return null;
    const acc = accountFilter(range);
    const from = Math.max(range.from, store.tz.startOfDay(day));
    const to = Math.min(range.to, store.tz.startOfDay(day + 1) - 1);
    return sql.get<{ t: number | null }>(`SELECT ${which === 'min' ? 'min' : 'max'}(s.ended_at) AS t FROM streams s${viaTrackIndex()}
      WHERE ${TRACKS_OF[kind]} AND s.ended_at BETWEEN ? AND ? AND s.kind = 1${acc.clause.replace('account_id', 's.account_id')}`,
    [id, from, to, ...acc.params])?.t ?? null;
  }

  /** Tracks of an artist or album (or albums of an artist) from the scan, by plays, with names and skip rates. */
  function parts(kind: 'artist' | 'album', id: number, byTrack: Map<number, { plays: number; skips: number; ms: number }>, what: 'tracks' | 'albums', limit: number) {
    const tracks = sql.all<{ id: number; name: string; album_id: number | null }>(`SELECT id, name, album_id FROM tracks WHERE ${kind === 'artist' ? 'artist_id' : 'album_id'} = ?`, [id]);
    const out = new Map<number, { id: number; name: string; album_id: number | null; plays: number; skips: number; ms_played: number }>();
    const albumNames = what === 'albums' ? new Map(sql.all<{ id: number; name: string }>(`SELECT id, name FROM albums WHERE id IN
      (SELECT album_id FROM tracks WHERE artist_id = ?)`, [id]).map((a) => [a.id, a.name])) : null;
    for (const t of tracks) {
      const agg = byTrack.get(t.id);
      if (!agg) continue;
      const key = what === 'tracks' ? t.id : t.album_id;
      if (key === null) continue;
      const e = out.get(key) ?? { id: key, name: what === 'tracks' ? t.name : albumNames!.get(key) ?? '', album_id: t.album_id, plays: 0, skips: 0, ms_played: 0 };
      e.plays += agg.plays; e.skips += agg.skips; e.ms_played += agg.ms;
      out.set(key, e);
    }
    return [...out.values()].sort((a, b) => b.plays - a.plays || b.ms_played - a.ms_played).slice(0, limit)
      .map((e) => ({ ...e, skip_rate: rate(e.skips, e.plays) }));
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

  /**
   * An artist, track or album page for the range: header, totals (plays, skips, skip rate in %,
   * listening ms), first and last play (all time), months (YYYY-MM, configured zone), the three best
   * months by plays, the rank history, top tracks and albums (artist), tracks (album), the most-skipped
   * tracks (artist, album) and the audio features of a track analysed from the user's own file.
   * Returns null when no entity has this id.
   */
  /** Pages are kept until the next write (the shared range cache: equal clamped ranges share one page). */
  const entity = memo('entity.page', (kind: EntityKind, id: number, range: Range) => computeEntity(kind, id, range), 2);
  const countOf = memo('entity.count', (kind: EntityKind, id: number, range: Range) => {
    const acc = accountFilter(range);
    return sql.get<{ n: number }>(`SELECT count(*) AS n FROM streams s${viaTrackIndex()} WHERE ${TRACKS_OF[kind]}
      AND s.ended_at BETWEEN ? AND ?${acc.clause.replace('account_id', 's.account_id')}`, [id, range.from, range.to, ...acc.params])!.n;
  }, 2);

  function computeEntity(kind: EntityKind, id: number, range: Range) {
    const head = header(kind, id);
    if (!head) return null;
    const s = scan(kind, id, range);
    const tracks = kind === 'track' ? [] : parts(kind, id, s.byTrack, 'tracks', 50);
    const features = kind === 'track' ? store.library.featuresOfTrack(id) : null;
    // The file's path is a server detail: never sent to the browser.
    if (features) delete features.path;
    return {
      ...head,
      totals: { ...s.totals, skip_rate: rate(s.totals.skips, s.totals.plays) },
      first_at: playOn(kind, id, range, s.firstDay, 'min'),
      last_at: playOn(kind, id, range, s.lastDay, 'max'),
      months: s.months,
      best_months: [...s.months].filter((m) => m.plays > 0).sort((a, b) => b.plays - a.plays || b.ms_played - a.ms_played).slice(0, 3),
      rank_history: rankHistory(kind, id, range, s.months),
      top_tracks: tracks.slice(0, 10),
      top_albums: kind === 'artist' ? parts(kind, id, s.byTrack, 'albums', 10) : [],
      tracks: kind === 'album' ? tracks : [],
      most_skipped: tracks.filter((x) => x.skips > 0).sort((a, b) => b.skips - a.skips || a.plays - b.plays).slice(0, 5),
      features,
    };
  }

  /**
   * The entity's own listening log in the range, newest first, keyset-paged by `before`
   * ("ended_at:id", from the previous page's `next`), with the total count of matching streams
   * (counted once per write version and range).
   */
  function entityStreams(kind: EntityKind, id: number, query: Range & { limit: number; before?: string | undefined }):
    { streams: StreamRow[]; next: string | null; total: number } {
    const acc = accountFilter(query);
    const where = [TRACKS_OF[kind], 's.ended_at BETWEEN ? AND ?'];
    const params: number[] = [id, query.from, query.to];
    if (acc.params.length) { where.push('s.account_id = ?'); params.push(...acc.params); }
    const total = countOf(kind, id, { from: query.from, to: query.to, account: query.account });
    if (query.before) {
      const [endedAt, streamId] = query.before.split(':').map(Number);
      where.push('(s.ended_at < ? OR (s.ended_at = ? AND s.id < ?))');
      params.push(endedAt!, endedAt!, streamId!);
    }
    const rows = sql.all(`${total > MANY_STREAMS ? BY_TIME_SELECT : byTrackSelect()} WHERE ${where.join(' AND ')} ORDER BY s.ended_at DESC, s.id DESC LIMIT ?`,
      [...params, query.limit + 1])
      .map((r) => store.streams.toStreamRow(r));
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { streams: page, next: rows.length > query.limit && last ? `${last.ended_at}:${last.id}` : null, total };
  }

  return { entity, entityStreams };
}

/** An entity page (see createEntityStats `entity`). */
export type EntityPage = NonNullable<ReturnType<ReturnType<typeof createEntityStats>['entity']>>;
