import { trackNameKey, type Store } from '../store/index.js';
import type { TrackInfo } from '../types.js';

/** A track object fetched from Spotify (liked songs, search) as the caches keep it. */
export interface RemoteTrack {
  uri: string; name: string; artist_name: string | null; artist_spotify_id: string | null; album_name: string | null;
  image_url: string | null; duration_ms: number | null; isrc: string | null; name_key: string;
}

/** Stores fetched tracks in remote_tracks (inside the caller's transaction). */
export function saveRemoteTracks(store: Store, tracks: TrackInfo[], now: number): void {
  for (const t of tracks) {
    if (!t.uri) continue;
    const artist = t.artists[0];
    store.sql.exec(`INSERT INTO remote_tracks (uri, name, artist_name, artist_spotify_id, album_name, image_url, duration_ms, isrc, name_key, seen_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uri) DO UPDATE SET name = excluded.name, artist_name = excluded.artist_name,
      artist_spotify_id = excluded.artist_spotify_id, album_name = excluded.album_name, image_url = excluded.image_url,
      duration_ms = excluded.duration_ms, isrc = coalesce(excluded.isrc, isrc), name_key = excluded.name_key, seen_at = excluded.seen_at`,
    [t.uri, t.name, artist?.name ?? null, artist?.spotify_id ?? null, t.album?.name ?? null, t.album?.image_url ?? null, t.duration_ms,
      t.isrc?.toUpperCase() ?? null, trackNameKey(artist?.name ?? '', t.name), now]);
  }
}

/** The columns of remote_tracks, for SELECTs. */
export const REMOTE_COLUMNS = 'rt.uri, rt.name, rt.artist_name, rt.artist_spotify_id, rt.album_name, rt.image_url, rt.duration_ms, rt.isrc, rt.name_key';

/** A remote track as a TrackInfo (what candidates are built from). */
export function remoteToInfo(r: RemoteTrack): TrackInfo {
  return { uri: r.uri, name: r.name, content: 'track', artists: r.artist_name ? [{ spotify_id: r.artist_spotify_id, name: r.artist_name }] : [],
    album: r.album_name ? { spotify_id: null, name: r.album_name, image_url: r.image_url } : null, duration_ms: r.duration_ms, isrc: r.isrc };
}
