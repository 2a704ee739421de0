import { escapeLike, type StatsContext } from './context.js';
import type { StreamQuery } from './listening.js';
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
    const where: string[] = ['s.ended_at BETWEEN ? AND ?'];
    const params: (number | string)[] = [query.from, query.to];
    const acc = accountFilter(query);
    if (acc.params.length) { where.push('s.account_id = ?'); params.push(...acc.params); }
    if (query.kind && query.kind !== 'all') { where.push('s.kind = ?'); params.push(query.kind === 'play' ? 1 : query.kind === 'skip' ? 2 : 0); }
    const joins = query.artist || query.track || query.q;
    if (query.artist) { where.push('ar.name LIKE ? ESCAPE \'\\\''); params.push(escapeLike(query.artist)); }
    if (query.track) { where.push('t.name LIKE ? ESCAPE \'\\\''); params.push(escapeLike(query.track)); }
    if (query.q) {
      where.push('(t.name LIKE ? ESCAPE \'\\\' OR ar.name LIKE ? ESCAPE \'\\\' OR al.name LIKE ? ESCAPE \'\\\')');
      const like = `%${escapeLike(query.q)}%`;
      params.push(like, like, like);
    }
    const from = joins
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
