import type { Sql } from '../store/index.js';
import { ENTITY, STATE } from './schema.js';

/**
 * A track's genres (PRODUCT.md "genre"): the MusicBrainz genres (tags with a genre_mbid) of its
 * recording; when the recording has none, those of its credited artists (votes summed over them);
 * when those have none, those of its release group. Within that level a genre counts when it has at
 * least {@link GENRE_SHARE_MIN} of the level's highest vote count, at most {@link GENRE_MAX} of them
 * (the most voted). Each kept genre has weight = its votes / the kept genres' votes (weights of a
 * track sum to 1): statistics count a play ONCE in each of its genres, and use the weights where
 * shares must add up (the genre timeline).
 */
export const GENRE_SHARE_MIN = 1 / 3;
export const GENRE_MAX = 5;

/** Which level a track's genres came from. */
export type GenreLevel = 'recording' | 'artist' | 'release_group';

/** Chooses the genres of one level's votes (see above). */
export function chooseGenres(votes: { tag_id: number; count: number }[]): { tag_id: number; weight: number }[] {
  const positive = votes.filter((v) => v.count > 0).sort((a, b) => b.count - a.count || a.tag_id - b.tag_id);
  if (positive.length === 0) return [];
  const floor = positive[0]!.count * GENRE_SHARE_MIN;
  const kept = positive.filter((v) => v.count >= floor).slice(0, GENRE_MAX);
  const total = kept.reduce((s, v) => s + v.count, 0);
  return kept.map((v) => ({ tag_id: v.tag_id, weight: v.count / total }));
}

/**
 * Keeps mb_track_genres, mb_track_countries and mb_track_facts (what the statistics read per track)
 * in step with the recordings. Runs inside the caller's write transaction.
 */
export function createDeriver(sql: Sql) {
  /** Bumped at every refresh: caches of the derived tables (stats/track-facts.ts) key on it. */
  let version = 0;
  const GENRE_VOTES = `SELECT c.tag_id AS tag_id, c.count AS count FROM mb_tag_counts c JOIN mb_tags t ON t.id = c.tag_id
    WHERE c.entity = ? AND c.entity_id = ? AND t.genre_mbid IS NOT NULL`;

  /** A recording's genres and the level they came from. */
  function genresOf(recordingId: number): { level: GenreLevel | null; genres: { tag_id: number; weight: number }[] } {
    const own = chooseGenres(sql.all(GENRE_VOTES, [ENTITY.recording, recordingId]));
    if (own.length > 0) return { level: 'recording', genres: own };
    const artists = chooseGenres(sql.all(`SELECT c.tag_id AS tag_id, sum(c.count) AS count FROM mb_recording_artists ra
      JOIN mb_tag_counts c ON c.entity = ${ENTITY.artist} AND c.entity_id = ra.artist_id JOIN mb_tags t ON t.id = c.tag_id
      WHERE ra.recording_id = ? AND t.genre_mbid IS NOT NULL GROUP BY c.tag_id`, [recordingId]));
    if (artists.length > 0) return { level: 'artist', genres: artists };
    const group = sql.get<{ g: number | null }>('SELECT release_group_id AS g FROM mb_recordings WHERE id = ?', [recordingId])?.g ?? null;
    const groups = group === null ? [] : chooseGenres(sql.all(GENRE_VOTES, [ENTITY.release_group, group]));
    return { level: groups.length > 0 ? 'release_group' : null, genres: groups };
  }

  /** Which derived tables to rewrite: a popularity or release-group answer changes only the facts, a country only the countries. */
  type Parts = { genres?: boolean; countries?: boolean; facts?: boolean };
  const ALL: Parts = { genres: true, countries: true, facts: true };

  /** Rewrites the derived rows of one track from its current resolution. */
  function refreshTrack(trackId: number, parts: Parts = ALL): void {
    version++;
    if (parts.genres) sql.exec('DELETE FROM mb_track_genres WHERE track_id = ?', [trackId]);
    if (parts.countries) sql.exec('DELETE FROM mb_track_countries WHERE track_id = ?', [trackId]);
    if (parts.facts) sql.exec('DELETE FROM mb_track_facts WHERE track_id = ?', [trackId]);
    const q = sql.get<{ r: number | null }>(`SELECT recording_id AS r FROM mb_queue WHERE track_id = ? AND state = ${STATE.resolved}`, [trackId]);
    if (!q?.r) return;
    const recordingId = q.r;
    if (parts.genres) {
      for (const g of genresOf(recordingId).genres) {
        sql.exec('INSERT INTO mb_track_genres (track_id, tag_id, weight) VALUES (?, ?, ?)', [trackId, g.tag_id, g.weight]);
      }
    }
    if (parts.countries) {
      sql.exec(`INSERT OR IGNORE INTO mb_track_countries (track_id, artist_id, country) SELECT ?, a.id, a.country FROM mb_recording_artists ra
        JOIN mb_artists a ON a.id = ra.artist_id WHERE ra.recording_id = ? AND a.country IS NOT NULL`, [trackId, recordingId]);
    }
    if (parts.facts) {
      // The era of a recording: its release group's first release year, else the year of the release ListenBrainz chose.
      // Popularity fetched but unknown to ListenBrainz: no listens there, so 0 listeners.
      sql.exec(`INSERT INTO mb_track_facts (track_id, recording_id, year, listener_count, listen_count)
        SELECT ?, r.id, coalesce(g.first_year, r.release_year),
          CASE WHEN r.popularity_at IS NULL THEN NULL ELSE coalesce(r.listener_count, 0) END,
          CASE WHEN r.popularity_at IS NULL THEN NULL ELSE coalesce(r.listen_count, 0) END FROM mb_recordings r
        LEFT JOIN mb_release_groups g ON g.id = r.release_group_id WHERE r.id = ?`, [trackId, recordingId]);
    }
  }

  /** Refreshes every track resolved to one of these recordings (and returns how many). */
  function refreshRecordings(recordingIds: Iterable<number>, parts: Parts = ALL): number {
    let n = 0;
    for (const id of new Set(recordingIds)) {
      for (const t of sql.all<{ track_id: number }>('SELECT track_id FROM mb_queue WHERE recording_id = ?', [id])) {
        refreshTrack(t.track_id, parts);
        n++;
      }
    }
    return n;
  }

  return { genresOf, refreshTrack, refreshRecordings, version: () => version };
}

export type Deriver = ReturnType<typeof createDeriver>;
