import type { StatsContext } from './context.js';
import { logFilter, type StreamQuery } from './listening.js';
import type { createRangeCache } from './cache.js';

type Memo = ReturnType<typeof createRangeCache>['memo'];

/**
 * Counts for the listening log: how many streams match the same filters as `streams()` (range,
 * account, kind, artist, track, free text), so the panel can say "100 of 8,817".
 */
export function createHistoryStats({ sql, accountFilter }: StatsContext, memo: Memo) {
  /** How many streams match; remembered until the next write (the shared range cache). */
  const countStreams = memo('history.count', (query: Omit<StreamQuery, 'limit' | 'before'>) => count(query));

  function count(query: Omit<StreamQuery, 'limit' | 'before'>): number {
    const { where, params, names } = logFilter(query, accountFilter);
    const from = names
      ? 'streams s JOIN tracks t ON t.id = s.track_id LEFT JOIN artists ar ON ar.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id'
      : 'streams s';
    return sql.get<{ n: number }>(`SELECT count(*) AS n FROM ${from} WHERE ${where.join(' AND ')}`, params)!.n;
  }
  /** The primary artist and the album of each track (for links from log rows), by track id. */
  function trackRefs(trackIds: readonly number[]): Map<number, { artist_id: number | null; album_id: number | null }> {
    const out = new Map<number, { artist_id: number | null; album_id: number | null }>();
    for (const id of new Set(trackIds)) {
      const r = sql.get<{ artist_id: number | null; album_id: number | null }>('SELECT artist_id, album_id FROM tracks WHERE id = ?', [id]);
      out.set(id, { artist_id: r?.artist_id ?? null, album_id: r?.album_id ?? null });
    }
    return out;
  }

  /** The artist of each album (for links from top lists), by album id. */
  function albumArtists(albumIds: readonly number[]): Map<number, number | null> {
    return new Map([...new Set(albumIds)].map((id) => [id, sql.get<{ a: number | null }>('SELECT artist_id AS a FROM albums WHERE id = ?', [id])?.a ?? null]));
  }

  return { countStreams, trackRefs, albumArtists };
}
