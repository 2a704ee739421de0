import type { Sql } from '../store/index.js';
import { STATE } from './schema.js';

/** What to find art for: a track (by id or Spotify URI) or an album (our albums.id). */
export interface CoverArtRef { track_id?: number; track_uri?: string; album_id?: number }

/** Thumbnail sizes the Cover Art Archive serves (https://musicbrainz.org/doc/Cover_Art_Archive/API). */
export const COVER_SIZES = [250, 500, 1200] as const;

/**
 * Cover Art Archive URLs from the ids ListenBrainz gives (`caa_release_mbid`, `caa_id`):
 * `{coverart_url}/release/{caa_release_mbid}/{caa_id}-{size}.jpg`. The recording's release first,
 * else its release group's chosen release.
 */
export function createCoverArt(sql: Sql, baseUrl: string) {
  const base = baseUrl.replace(/\/$/, '');
  const BY_TRACK = `SELECT coalesce(r.caa_release_mbid, g.caa_release_mbid) AS mbid, CASE WHEN r.caa_release_mbid IS NOT NULL THEN r.caa_id ELSE g.caa_id END AS caa_id
    FROM mb_queue q JOIN mb_recordings r ON r.id = q.recording_id LEFT JOIN mb_release_groups g ON g.id = r.release_group_id
    WHERE q.state = ${STATE.resolved} AND (r.caa_id IS NOT NULL OR g.caa_id IS NOT NULL)`;

  /** The image URL, or null when no art is known (not resolved yet, or the Archive has none). */
  function url(ref: CoverArtRef, size: (typeof COVER_SIZES)[number] = 500): string | null {
    let row: { mbid: string | null; caa_id: number | null } | undefined;
    if (ref.track_id !== undefined) row = sql.get(`${BY_TRACK} AND q.track_id = ?`, [ref.track_id]);
    else if (ref.track_uri !== undefined) row = sql.get(`${BY_TRACK} AND q.track_id = (SELECT id FROM tracks WHERE uri = ?)`, [ref.track_uri]);
    else if (ref.album_id !== undefined) row = sql.get(`${BY_TRACK} AND q.track_id IN (SELECT id FROM tracks WHERE album_id = ?) ORDER BY q.track_id LIMIT 1`, [ref.album_id]);
    if (!row?.mbid || row.caa_id === null) return null;
    return `${base}/release/${row.mbid}/${row.caa_id}-${size}.jpg`;
  }
  return { url };
}
