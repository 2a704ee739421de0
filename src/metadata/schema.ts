import type { ModuleMigration } from '../store/index.js';

/** The module name under which these tables are migrated (store.migrateModule). */
export const MODULE = 'metadata';

/** mb_queue.state: where a track stands in the resolution to a MusicBrainz recording. */
export const STATE = { pending: 0, resolved: 1, not_found: 2, failed: 3 } as const;
export type ResolutionState = keyof typeof STATE;
export const STATE_NAME = Object.fromEntries(Object.entries(STATE).map(([k, v]) => [v, k])) as Record<number, ResolutionState>;

/** mb_queue.step: the next way of resolving a pending track. */
export const STEP = { isrc: 0, name: 1 } as const;

/** mb_queue.method: how a resolved track was resolved. */
export const METHOD = { isrc: 1, listenbrainz: 2, musicbrainz_search: 3 } as const;
export const METHOD_NAME: Record<number, string> = { 1: 'isrc', 2: 'listenbrainz_lookup', 3: 'musicbrainz_search' };

/** meta_state of recordings and release groups; area_state of artists. */
export const FETCH = { due: 0, done: 1, unknown: 2 } as const;

/** mb_tag_counts.entity. */
export const ENTITY = { recording: 0, artist: 1, release_group: 2 } as const;

/**
 * The metadata module's own tables (derived data: dropping every one of them loses no stream; the
 * job fills them again). Compact: INTEGER keys, MBIDs as UNIQUE text, small-integer codes (above).
 *
 * - mb_queue: one row per music track: resolution state, next step, how it resolved, the recording,
 *   the not-found / failure reason, attempts, when to try again (failed, and not_found after a while)
 *   and the ISRC that was tried (a track that gains an ISRC later is tried again by it).
 * - mb_recordings / mb_release_groups / mb_artists: what ListenBrainz's metadata API returned
 *   (release year, Cover Art Archive ids, artist area, begin year and type) and ListenBrainz popularity.
 * - mb_tags + mb_tag_counts: tags with their vote counts per recording / artist / release group;
 *   a tag with a genre_mbid is a MusicBrainz genre, the others are free tags.
 * - mb_areas: MusicBrainz areas seen while walking up from a city or region to its country.
 * - mb_track_genres / mb_track_countries / mb_track_facts: per track, what the statistics read
 *   (refreshed whenever a track's recording, artists or popularity change).
 */
export const MIGRATIONS: readonly ModuleMigration[] = [
  `
  CREATE TABLE mb_queue (
    track_id INTEGER PRIMARY KEY, state INTEGER NOT NULL DEFAULT 0, step INTEGER NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL DEFAULT 0, method INTEGER, recording_id INTEGER, reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, retry_at INTEGER, isrc TEXT, updated_at INTEGER NOT NULL
  );
  CREATE INDEX mb_queue_work ON mb_queue(state, step, priority);
  CREATE INDEX mb_queue_recording ON mb_queue(recording_id);
  CREATE TABLE mb_recordings (
    id INTEGER PRIMARY KEY, mbid TEXT NOT NULL UNIQUE, name TEXT, release_mbid TEXT, release_name TEXT,
    release_year INTEGER, release_group_id INTEGER, caa_id INTEGER, caa_release_mbid TEXT,
    meta_state INTEGER NOT NULL DEFAULT 0, meta_at INTEGER,
    listen_count INTEGER, listener_count INTEGER, popularity_at INTEGER
  );
  CREATE INDEX mb_recordings_meta ON mb_recordings(meta_state);
  CREATE INDEX mb_recordings_release_group ON mb_recordings(release_group_id);
  CREATE TABLE mb_release_groups (
    id INTEGER PRIMARY KEY, mbid TEXT NOT NULL UNIQUE, name TEXT, type TEXT, first_year INTEGER,
    caa_id INTEGER, caa_release_mbid TEXT, meta_state INTEGER NOT NULL DEFAULT 0, meta_at INTEGER
  );
  CREATE INDEX mb_release_groups_meta ON mb_release_groups(meta_state);
  CREATE TABLE mb_artists (
    id INTEGER PRIMARY KEY, mbid TEXT NOT NULL UNIQUE, name TEXT, type TEXT, begin_year INTEGER,
    area TEXT, area_mbid TEXT, country TEXT, area_state INTEGER NOT NULL DEFAULT 0, area_retry_at INTEGER
  );
  CREATE INDEX mb_artists_area ON mb_artists(area_state);
  CREATE TABLE mb_recording_artists (
    recording_id INTEGER NOT NULL, position INTEGER NOT NULL, artist_id INTEGER NOT NULL,
    PRIMARY KEY (recording_id, position)
  ) WITHOUT ROWID;
  CREATE INDEX mb_recording_artists_artist ON mb_recording_artists(artist_id);
  CREATE TABLE mb_tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, genre_mbid TEXT);
  CREATE TABLE mb_tag_counts (
    entity INTEGER NOT NULL, entity_id INTEGER NOT NULL, tag_id INTEGER NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (entity, entity_id, tag_id)
  ) WITHOUT ROWID;
  CREATE TABLE mb_areas (
    mbid TEXT PRIMARY KEY, name TEXT, type TEXT, parent_mbid TEXT, country TEXT, fetched_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE mb_track_genres (
    track_id INTEGER NOT NULL, tag_id INTEGER NOT NULL, weight REAL NOT NULL, PRIMARY KEY (track_id, tag_id)
  ) WITHOUT ROWID;
  CREATE TABLE mb_track_countries (
    track_id INTEGER NOT NULL, artist_id INTEGER NOT NULL, country TEXT NOT NULL, PRIMARY KEY (track_id, artist_id)
  ) WITHOUT ROWID;
  CREATE TABLE mb_track_facts (
    track_id INTEGER PRIMARY KEY, recording_id INTEGER NOT NULL, year INTEGER, listener_count INTEGER, listen_count INTEGER
  );
  `,
];
