import { escapeLike, type StatsContext } from './context.js';

/** One search result: an artist, track or album the account has streams of, with its all-time plays. */
export interface SearchHit { kind: 'artist' | 'track' | 'album'; id: number; name: string; artist_name: string | null; album_id: number | null; plays: number }

/**
 * Search across artists, tracks and albums by name (case-insensitive substring, names starting with
 * the text first, then by plays), limited to what the account has streams of. Served from the
 * track_stats rollup and the name columns (research/sqljs-store.md: LIKE without FTS scans track
 * names in ~10 ms at 250k).
 */
export function createSearchStats({ sql, accountFilter }: StatsContext) {
  function search(text: string, account: string | undefined, limit: number, kinds: readonly SearchHit['kind'][] = ['artist', 'track', 'album']) {
    const acc = accountFilter({ from: 0, to: 0, account });
    const clause = acc.clause.replace('account_id', 'ts.account_id');
    const like = `%${escapeLike(text)}%`;
    const prefix = `${escapeLike(text)}%`;
    const out: Record<'artists' | 'tracks' | 'albums', SearchHit[]> = { artists: [], tracks: [], albums: [] };
    if (kinds.includes('artist')) {
      out.artists = sql.all<{ id: number; name: string; plays: number }>(`SELECT ar.id AS id, ar.name AS name, sum(ts.plays) AS plays FROM artists ar
        JOIN tracks t ON t.artist_id = ar.id JOIN track_stats ts ON ts.track_id = t.id WHERE ar.name LIKE ? ESCAPE '\\'${clause}
        GROUP BY ar.id ORDER BY ar.name LIKE ? ESCAPE '\\' DESC, plays DESC, ar.name LIMIT ?`, [like, ...acc.params, prefix, limit])
        .map((r) => ({ kind: 'artist', id: r.id, name: r.name, artist_name: null, album_id: null, plays: r.plays ?? 0 }));
    }
    if (kinds.includes('track')) {
      out.tracks = sql.all<{ id: number; name: string; artist_name: string | null; album_id: number | null; plays: number }>(`SELECT t.id AS id,
        t.name AS name, ar.name AS artist_name, t.album_id AS album_id, sum(ts.plays) AS plays FROM tracks t JOIN track_stats ts ON ts.track_id = t.id
        LEFT JOIN artists ar ON ar.id = t.artist_id WHERE t.name LIKE ? ESCAPE '\\'${clause} GROUP BY t.id
        ORDER BY t.name LIKE ? ESCAPE '\\' DESC, plays DESC, t.name LIMIT ?`, [like, ...acc.params, prefix, limit])
        .map((r) => ({ kind: 'track', id: r.id, name: r.name, artist_name: r.artist_name, album_id: r.album_id, plays: r.plays ?? 0 }));
    }
    if (kinds.includes('album')) {
      out.albums = sql.all<{ id: number; name: string; artist_name: string | null; plays: number }>(`SELECT al.id AS id, al.name AS name,
        ar.name AS artist_name, sum(ts.plays) AS plays FROM albums al JOIN tracks t ON t.album_id = al.id JOIN track_stats ts ON ts.track_id = t.id
        LEFT JOIN artists ar ON ar.id = al.artist_id WHERE al.name LIKE ? ESCAPE '\\'${clause} GROUP BY al.id
        ORDER BY al.name LIKE ? ESCAPE '\\' DESC, plays DESC, al.name LIMIT ?`, [like, ...acc.params, prefix, limit])
        .map((r) => ({ kind: 'album', id: r.id, name: r.name, artist_name: r.artist_name, album_id: r.id, plays: r.plays ?? 0 }));
    }
    return out;
  }
  return { search };
}
