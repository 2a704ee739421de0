import type { Sql } from '../store/index.js';
import { ENTITY, FETCH } from './schema.js';
import type { RecordingMeta, ReleaseGroupMeta, Popularity, TagVote } from './listenbrainz.js';
import type { CountryNames } from './country.js';

/** Recordings ListenBrainz did not know are asked again after this long; known ones are refreshed after this long. */
export const UNKNOWN_RECHECK_MS = 30 * 86_400_000;
export const META_REFRESH_MS = 365 * 86_400_000;
/** Popularity is refreshed at most this often (issue 11: at most monthly). */
export const POPULARITY_REFRESH_MS = 30 * 86_400_000;
/** An artist whose area lookup failed is tried again after this long. */
export const AREA_RETRY_MS = 6 * 3_600_000;

/**
 * Writes what ListenBrainz and MusicBrainz answered into the metadata tables. Every write is an
 * upsert keyed by MBID, so fetching something again replaces it and never duplicates. Each function
 * runs inside the caller's write transaction and returns the recordings whose per-track facts must
 * be refreshed (see derive.ts).
 */
export function createSaver(sql: Sql, countries: CountryNames, now: () => number) {
  function tagId(t: TagVote): number {
    const row = sql.get<{ id: number; genre_mbid: string | null }>('SELECT id, genre_mbid FROM mb_tags WHERE name = ?', [t.tag]);
    if (row) {
      if (t.genre_mbid && row.genre_mbid !== t.genre_mbid) sql.exec('UPDATE mb_tags SET genre_mbid = ? WHERE id = ?', [t.genre_mbid, row.id]);
      return row.id;
    }
    return sql.get<{ id: number }>('INSERT INTO mb_tags (name, genre_mbid) VALUES (?, ?) RETURNING id', [t.tag, t.genre_mbid])!.id;
  }

  function replaceTags(entity: number, id: number, tags: TagVote[]): void {
    sql.exec('DELETE FROM mb_tag_counts WHERE entity = ? AND entity_id = ?', [entity, id]);
    for (const t of tags) {
      sql.exec('INSERT INTO mb_tag_counts (entity, entity_id, tag_id, count) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET count = max(count, excluded.count)',
        [entity, id, tagId(t), t.count]);
    }
  }

  function releaseGroupId(mbid: string): number {
    return sql.get<{ id: number }>('SELECT id FROM mb_release_groups WHERE mbid = ?', [mbid])?.id
      ?? sql.get<{ id: number }>('INSERT INTO mb_release_groups (mbid) VALUES (?) RETURNING id', [mbid])!.id;
  }

  /** Upserts an artist; its country is settled here when the area's name is a country's, else left for the MusicBrainz walk. */
  function artistId(a: RecordingMeta['artists'][number]): number {
    const existing = sql.get<{ id: number; area: string | null }>('SELECT id, area FROM mb_artists WHERE mbid = ?', [a.mbid]);
    const code = countries.codeOf(a.area);
    const areaState = a.area === null || code !== null ? FETCH.done : FETCH.due;
    if (existing) {
      sql.exec('UPDATE mb_artists SET name = ?, type = ?, begin_year = ?, area = ? WHERE id = ?', [a.name, a.type, a.begin_year, a.area, existing.id]);
      if (existing.area !== a.area) {
        sql.exec('UPDATE mb_artists SET country = ?, area_mbid = NULL, area_state = ?, area_retry_at = NULL WHERE id = ?', [code, areaState, existing.id]);
      }
      return existing.id;
    }
    return sql.get<{ id: number }>(`INSERT INTO mb_artists (mbid, name, type, begin_year, area, country, area_state) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [a.mbid, a.name, a.type, a.begin_year, a.area, code, areaState])!.id;
  }

  /**
   * Saves POST /1/metadata/recording/ answers. `requested` MBIDs absent from `found` are marked
   * unknown (asked again after {@link UNKNOWN_RECHECK_MS}). Returns the recording ids touched.
   */
  function saveRecordings(requested: string[], found: Map<string, RecordingMeta>): number[] {
    const touched: number[] = [];
    for (const mbid of requested) {
      const rec = sql.get<{ id: number }>('SELECT id FROM mb_recordings WHERE mbid = ?', [mbid]);
      if (!rec) continue;
      touched.push(rec.id);
      const meta = found.get(mbid);
      if (!meta) {
        sql.exec('UPDATE mb_recordings SET meta_state = ?, meta_at = ? WHERE id = ?', [FETCH.unknown, now(), rec.id]);
        continue;
      }
      const r = meta.release;
      const group = r?.release_group_mbid ? releaseGroupId(r.release_group_mbid) : null;
      sql.exec(`UPDATE mb_recordings SET name = ?, release_mbid = ?, release_name = ?, release_year = ?, release_group_id = ?, caa_id = ?,
        caa_release_mbid = ?, meta_state = ?, meta_at = ? WHERE id = ?`,
      [meta.name, r?.mbid ?? null, r?.name ?? null, r?.year ?? null, group, r?.caa_id ?? null, r?.caa_release_mbid ?? null, FETCH.done, now(), rec.id]);
      sql.exec('DELETE FROM mb_recording_artists WHERE recording_id = ?', [rec.id]);
      meta.artists.forEach((a, position) => {
        const id = artistId(a);
        sql.exec('INSERT OR REPLACE INTO mb_recording_artists (recording_id, position, artist_id) VALUES (?, ?, ?)', [rec.id, position, id]);
        replaceTags(ENTITY.artist, id, a.tags);
      });
      replaceTags(ENTITY.recording, rec.id, meta.recording_tags);
      if (group !== null) replaceTags(ENTITY.release_group, group, meta.release_group_tags);
    }
    return touched;
  }

  /** Saves GET /1/metadata/release_group/ answers; absent ones are marked unknown. Returns the recordings of the groups. */
  function saveReleaseGroups(requested: string[], found: Map<string, ReleaseGroupMeta>): number[] {
    const touched: number[] = [];
    for (const mbid of requested) {
      const g = found.get(mbid);
      const id = releaseGroupId(mbid);
      if (g) {
        sql.exec('UPDATE mb_release_groups SET name = ?, type = ?, first_year = ?, caa_id = ?, caa_release_mbid = ?, meta_state = ?, meta_at = ? WHERE id = ?',
          [g.name, g.type, g.first_year, g.caa_id, g.caa_release_mbid, FETCH.done, now(), id]);
      } else {
        sql.exec('UPDATE mb_release_groups SET meta_state = ?, meta_at = ? WHERE id = ?', [FETCH.unknown, now(), id]);
      }
      for (const r of sql.all<{ id: number }>('SELECT id FROM mb_recordings WHERE release_group_id = ?', [id])) touched.push(r.id);
    }
    return touched;
  }

  /** Saves popularity (every requested recording gets popularity_at now; absent ones keep null counts). */
  function savePopularity(requested: string[], found: Popularity[]): number[] {
    const byMbid = new Map(found.map((p) => [p.recording_mbid, p]));
    const touched: number[] = [];
    for (const mbid of requested) {
      const p = byMbid.get(mbid);
      const rec = sql.get<{ id: number }>('SELECT id FROM mb_recordings WHERE mbid = ?', [mbid]);
      if (!rec) continue;
      sql.exec('UPDATE mb_recordings SET listen_count = ?, listener_count = ?, popularity_at = ? WHERE id = ?',
        [p?.listen_count ?? null, p?.listener_count ?? null, now(), rec.id]);
      touched.push(rec.id);
    }
    return touched;
  }

  /** Records an artist's country (null: the area is in no country, or the artist has none). Returns its recordings. */
  function saveArtistCountry(artistId: number, areaMbid: string | null, country: string | null): number[] {
    sql.exec('UPDATE mb_artists SET area_mbid = ?, country = ?, area_state = ?, area_retry_at = NULL WHERE id = ?', [areaMbid, country, FETCH.done, artistId]);
    return sql.all<{ id: number }>('SELECT recording_id AS id FROM mb_recording_artists WHERE artist_id = ?', [artistId]).map((r) => r.id);
  }

  /** The area walk failed for now: tried again after {@link AREA_RETRY_MS}. */
  function areaFailed(artistId: number): void {
    sql.exec('UPDATE mb_artists SET area_retry_at = ? WHERE id = ?', [now() + AREA_RETRY_MS, artistId]);
  }

  /** Caches a MusicBrainz area (and what it is part of). */
  function saveArea(a: { mbid: string; name: string | null; type: string | null; parent_mbid: string | null; country: string | null }): void {
    sql.exec(`INSERT INTO mb_areas (mbid, name, type, parent_mbid, country, fetched_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (mbid) DO UPDATE SET name = excluded.name, type = excluded.type, parent_mbid = excluded.parent_mbid, country = excluded.country,
      fetched_at = excluded.fetched_at`, [a.mbid, a.name, a.type, a.parent_mbid, a.country, now()]);
  }

  return { saveRecordings, saveReleaseGroups, savePopularity, saveArtistCountry, areaFailed, saveArea };
}

/** What is due for the bulk calls (read-only; no transaction needed). */
export function createDue(sql: Sql, now: () => number) {
  return {
    /** Recordings whose metadata is due: never fetched, unknown for a month, or a year old. */
    recordings(limit: number): string[] {
      const t = now();
      return sql.all<{ mbid: string }>(`SELECT mbid FROM mb_recordings WHERE meta_state = 0 OR (meta_state = 2 AND meta_at <= ?)
        OR (meta_state = 1 AND meta_at <= ?) ORDER BY meta_state, id LIMIT ?`, [t - UNKNOWN_RECHECK_MS, t - META_REFRESH_MS, limit]).map((r) => r.mbid);
    },
    /** Release groups whose type and first release year are due. */
    releaseGroups(limit: number): string[] {
      return sql.all<{ mbid: string }>('SELECT mbid FROM mb_release_groups WHERE meta_state = 0 OR (meta_state = 2 AND meta_at <= ?) ORDER BY meta_state, id LIMIT ?',
        [now() - UNKNOWN_RECHECK_MS, limit]).map((r) => r.mbid);
    },
    /** Resolved recordings whose popularity was never fetched or is a month old. */
    popularity(limit: number): string[] {
      return sql.all<{ mbid: string }>(`SELECT mbid FROM mb_recordings WHERE id IN (SELECT recording_id FROM mb_queue WHERE state = 1)
        AND (popularity_at IS NULL OR popularity_at <= ?) ORDER BY popularity_at IS NOT NULL, popularity_at, id LIMIT ?`,
      [now() - POPULARITY_REFRESH_MS, limit]).map((r) => r.mbid);
    },
    /** Artists whose area is a city or region (their country needs the MusicBrainz walk). */
    artistAreas(limit: number): { id: number; mbid: string; area: string | null }[] {
      return sql.all('SELECT id, mbid, area FROM mb_artists WHERE area_state = 0 AND (area_retry_at IS NULL OR area_retry_at <= ?) ORDER BY id LIMIT ?', [now(), limit]);
    },
    /** A cached area. */
    area(mbid: string): { mbid: string; name: string | null; type: string | null; parent_mbid: string | null; country: string | null } | undefined {
      return sql.get('SELECT mbid, name, type, parent_mbid, country FROM mb_areas WHERE mbid = ?', [mbid]);
    },
    /** How much metadata work waits (for the status). */
    counts(): { recordings: number; release_groups: number; artist_areas: number; popularity: number } {
      const t = now();
      return {
        recordings: sql.get<{ n: number }>('SELECT count(*) AS n FROM mb_recordings WHERE meta_state = 0 OR (meta_state = 2 AND meta_at <= ?)', [t - UNKNOWN_RECHECK_MS])!.n,
        release_groups: sql.get<{ n: number }>('SELECT count(*) AS n FROM mb_release_groups WHERE meta_state = 0')!.n,
        artist_areas: sql.get<{ n: number }>('SELECT count(*) AS n FROM mb_artists WHERE area_state = 0')!.n,
        popularity: sql.get<{ n: number }>(`SELECT count(*) AS n FROM mb_recordings WHERE id IN (SELECT recording_id FROM mb_queue WHERE state = 1)
          AND (popularity_at IS NULL OR popularity_at <= ?)`, [t - POPULARITY_REFRESH_MS])!.n,
      };
    },
  };
}
