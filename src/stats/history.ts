import { inFixedChunks, placeholders } from '../store/index.js';
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
    const ids = [...new Set(trackIds)];
    const out = new Map<number, { artist_id: number | null; album_id: number | null }>(ids.map((id) => [id, { artist_id: null, album_id: null }]));
    inFixedChunks(ids, (chunk, size) => {
      for (const [id, artistId, albumId] of sql.values(`SELECT id, artist_id, album_id FROM tracks WHERE id IN (${placeholders(size)})`, chunk)) {
        out.set(id as number, { artist_id: artistId as number | null, album_id: albumId as number | null });
      }
    });
    return out;
  }

  /** The artist of each album (for links from top lists), by album id. */
  function albumArtists(albumIds: readonly number[]): Map<number, number | null> {
    const ids = [...new Set(albumIds)];
    const out = new Map<number, number | null>(ids.map((id) => [id, null]));
    inFixedChunks(ids, (chunk, size) => {
      for (const [id, artistId] of sql.values(`SELECT id, artist_id FROM albums WHERE id IN (${placeholders(size)})`, chunk)) out.set(id as number, artistId as number | null);
    });
    return out;
  }

  return { countStreams, trackRefs, albumArtists };
}
