import type { Store } from '../store/index.js';
import type { PlaylistsApi } from '../spotify/index.js';
import { MS_PER_DAY, MS_PER_HOUR } from '../time.js';
import { REMOTE_COLUMNS, saveRemoteTracks, type RemoteTrack } from './remote.js';

/** A liked song as the cache keeps it. */
export interface LikedTrack extends RemoteTrack { added_at: number }

/** Liked songs are fetched again at most this often (incrementally). */
export const LIKED_REFRESH_MS = 6 * MS_PER_HOUR;
/** … and in full (catching songs un-liked since) this often. */
export const LIKED_FULL_SYNC_MS = 7 * MS_PER_DAY;
/** At most this many liked songs are kept (200 pages of 50). */
export const LIKED_MAX = 10_000;

/**
 * The liked-songs cache of each account (GET /me/tracks, newest first): an incremental sync reads pages
 * until it meets a song saved before the newest one it already has (Spotify lists them by added_at,
 * newest first); a full sync every 7 days also drops songs un-liked since. Nothing is fetched when the
 * cache is younger than 6 hours.
 */
export function createLikedCache(store: Store, now: () => number) {
  const { sql } = store;

  /** The cached liked songs of an account, newest first. */
  function list(accountId: number): LikedTrack[] {
    return sql.all<LikedTrack>(`SELECT ${REMOTE_COLUMNS}, lt.added_at AS added_at FROM liked_tracks lt JOIN remote_tracks rt ON rt.uri = lt.uri
      WHERE lt.account_id = ? ORDER BY lt.added_at DESC`, [accountId]);
  }

  /**
   * Brings the cache up to date. Resolves to how many songs were fetched and whether it was a full sync;
   * `fetched: 0, skipped: true` when the cache was fresh.
   * @throws SpotifyError when Spotify fails (the cache is left as it was).
   */
  async function sync(api: PlaylistsApi, account: string, accountId: number): Promise<{ fetched: number; full: boolean; skipped: boolean; total: number }> {
    const state = sql.get<{ synced_at: number; full_synced_at: number }>('SELECT synced_at, full_synced_at FROM liked_sync WHERE account_id = ?', [accountId]);
    const t = now();
    const full = !state || t - state.full_synced_at >= LIKED_FULL_SYNC_MS;
    if (!full && t - state.synced_at < LIKED_REFRESH_MS) return { fetched: 0, full: false, skipped: true, total: count(accountId) };
    const newest = full ? null : sql.get<{ t: number | null }>('SELECT max(added_at) AS t FROM liked_tracks WHERE account_id = ?', [accountId])?.t ?? null;
    const fetched: { added_at: number; track: Parameters<typeof saveRemoteTracks>[1][number] }[] = [];
    let total = 0;
    for (let offset = 0; offset < LIKED_MAX; offset += 50) {
      const page = await api.savedTracks(account, offset, 50);
      total = page.total;
      let reachedKnown = false;
      for (const item of page.items) {
        if (newest !== null && item.added_at < newest) { reachedKnown = true; break; }
        fetched.push(item);
      }
      if (reachedKnown || !page.has_more || page.items.length === 0) break;
    }
    await store.exclusive(() => store.transaction(() => {
      saveRemoteTracks(store, fetched.map((f) => f.track), t);
      if (full) sql.exec('DELETE FROM liked_tracks WHERE account_id = ?', [accountId]);
      for (const f of fetched) {
        sql.exec('INSERT INTO liked_tracks (account_id, uri, added_at) VALUES (?, ?, ?) ON CONFLICT (account_id, uri) DO UPDATE SET added_at = excluded.added_at',
          [accountId, f.track.uri!, f.added_at]);
      }
      sql.exec(`INSERT INTO liked_sync (account_id, synced_at, full_synced_at, total) VALUES (?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET
        synced_at = excluded.synced_at, full_synced_at = CASE WHEN ? THEN excluded.synced_at ELSE full_synced_at END, total = excluded.total`,
      [accountId, t, t, total, full ? 1 : 0]);
    }));
    return { fetched: fetched.length, full, skipped: false, total: count(accountId) };
  }

  function count(accountId: number): number {
    return sql.get<{ n: number }>('SELECT count(*) AS n FROM liked_tracks WHERE account_id = ?', [accountId])?.n ?? 0;
  }

  return { list, sync, count };
}

export type LikedCache = ReturnType<typeof createLikedCache>;
