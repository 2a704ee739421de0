import { setTimeout as sleep } from 'node:timers/promises';
import { nameKey, trackNameKey, type Store } from '../store/index.js';
import { SEARCH_MAX_LIMIT, type PlaylistsApi } from '../spotify/index.js';
import { MS_PER_DAY } from '../time.js';
import { REMOTE_COLUMNS, saveRemoteTracks, type RemoteTrack } from './remote.js';

/** Search pages are kept this long (issue: "cached for a day"). */
export const SEARCH_CACHE_MS = MS_PER_DAY;

/** A search filter value without the characters that would end it (`"`) or are noise to Spotify. */
export function filterValue(text: string): string {
  return text.replace(/["\u201c\u201d]/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * Track search (GET /search, limit 10) behind a one-day cache per (query, offset): a page fetched within
 * the last day is answered from the store. Uncached calls are spaced by `spacingMs` so one run never
 * bursts at Spotify's rolling 30 s limit.
 */
export function createSearch({ store, api, now, spacingMs }: { store: Store; api: PlaylistsApi; now: () => number; spacingMs: number }) {
  const { sql } = store;
  let lastCall = 0;

  /**
   * One page of results for `q` at `offset` (a multiple of 10), cached for a day.
   * @throws SpotifyError when the page is not cached and Spotify fails.
   */
  async function page(account: string, q: string, offset: number): Promise<{ items: RemoteTrack[]; total: number; cached: boolean }> {
    const cached = sql.get<{ fetched_at: number; total: number }>('SELECT fetched_at, total FROM search_cache WHERE query = ? AND offset = ?', [q, offset]);
    if (cached && now() - cached.fetched_at < SEARCH_CACHE_MS) {
      return { items: sql.all<RemoteTrack>(`SELECT ${REMOTE_COLUMNS} FROM search_results sr JOIN remote_tracks rt ON rt.uri = sr.uri
        WHERE sr.query = ? AND sr.offset = ? ORDER BY sr.position`, [q, offset]), total: cached.total, cached: true };
    }
    const wait = lastCall + spacingMs - Date.now();
    if (wait > 0) await sleep(wait);
    lastCall = Date.now();
    const res = await api.searchTracks(account, q, offset, SEARCH_MAX_LIMIT);
    const t = now();
    await store.exclusive(() => store.transaction(() => {
      saveRemoteTracks(store, res.items, t);
      sql.exec('DELETE FROM search_results WHERE query = ? AND offset = ?', [q, offset]);
      res.items.forEach((item, i) => sql.exec('INSERT INTO search_results (query, offset, position, uri) VALUES (?, ?, ?, ?)', [q, offset, i, item.uri!]));
      sql.exec('INSERT INTO search_cache (query, offset, fetched_at, total) VALUES (?, ?, ?, ?) ON CONFLICT (query, offset) DO UPDATE SET fetched_at = excluded.fetched_at, total = excluded.total',
        [q, offset, t, res.total]);
    }));
    const items = res.items.map((i) => ({ uri: i.uri!, name: i.name, artist_name: i.artists[0]?.name ?? null, artist_spotify_id: i.artists[0]?.spotify_id ?? null,
      album_name: i.album?.name ?? null, image_url: i.album?.image_url ?? null, duration_ms: i.duration_ms, isrc: i.isrc?.toUpperCase() ?? null,
      name_key: trackNameKey(i.artists[0]?.name ?? '', i.name) }));
    return { items, total: res.total, cached: false };
  }

  /** Tracks by `artist` (`artist:"…"`), pages of 10 up to `pages`, keeping those whose primary artist is that artist. @throws SpotifyError */
  async function byArtist(account: string, artist: string, pages: number): Promise<RemoteTrack[]> {
    const key = nameKey(artist);
    const out: RemoteTrack[] = [];
    for (let p = 0; p < pages; p++) {
      const res = await page(account, `artist:"${filterValue(artist)}"`, p * SEARCH_MAX_LIMIT);
      out.push(...res.items.filter((t) => nameKey(t.artist_name ?? '') === key));
      if ((p + 1) * SEARCH_MAX_LIMIT >= res.total) break;
    }
    return out;
  }

  /** Tracks of a genre (`genre:"…"`), pages of 10 up to `pages`. @throws SpotifyError */
  async function byGenre(account: string, genre: string, pages: number): Promise<RemoteTrack[]> {
    const out: RemoteTrack[] = [];
    for (let p = 0; p < pages; p++) {
      const res = await page(account, `genre:"${filterValue(genre)}"`, p * SEARCH_MAX_LIMIT);
      out.push(...res.items);
      if ((p + 1) * SEARCH_MAX_LIMIT >= res.total) break;
    }
    return out;
  }

  /** The Spotify track of a song known by name (`track:"…" artist:"…"`), or null. @throws SpotifyError */
  async function resolve(account: string, artist: string, title: string): Promise<RemoteTrack | null> {
    const res = await page(account, `track:"${filterValue(title)}" artist:"${filterValue(artist)}"`, 0);
    const key = trackNameKey(artist, title);
    return res.items.find((t) => t.name_key === key) ?? null;
  }

  return { page, byArtist, byGenre, resolve };
}

export type Search = ReturnType<typeof createSearch>;
