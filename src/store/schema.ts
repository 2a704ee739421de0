import type { Database } from 'sql.js';

/**
 * Schema migrations, applied in order; PRAGMA user_version holds how many ran. Compact by design
 * (research/sqljs-store.md §4): INTEGER keys, Spotify ids as UNIQUE text, small-integer codes, no raw JSON.
 *
 * Codes: streams.kind 0 other, 1 play, 2 skip; content 0 track, 1 episode, 2 audiobook;
 * sources bitmask 1 poll, 2 player, 4 import-extended, 8 import-account; source = one of those bits.
 * Booleans are 0/1/NULL. local_day / local_hour are in the configured time zone (meta.time_zone).
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE accounts (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, display_name TEXT, created_at INTEGER NOT NULL
  );
  CREATE TABLE labels (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
  CREATE TABLE artists (
    id INTEGER PRIMARY KEY, spotify_id TEXT UNIQUE, name TEXT NOT NULL, name_key TEXT NOT NULL
  );
  CREATE INDEX artists_name_key ON artists(name_key);
  CREATE TABLE albums (
    id INTEGER PRIMARY KEY, spotify_id TEXT UNIQUE, name TEXT NOT NULL, artist_id INTEGER,
    image_url TEXT, name_key TEXT NOT NULL
  );
  CREATE INDEX albums_name_key ON albums(name_key);
  CREATE TABLE tracks (
    id INTEGER PRIMARY KEY, uri TEXT UNIQUE, content INTEGER NOT NULL, name TEXT NOT NULL,
    artist_id INTEGER, album_id INTEGER, duration_ms INTEGER, isrc TEXT, name_key TEXT NOT NULL
  );
  CREATE INDEX tracks_name_key ON tracks(name_key);
  CREATE INDEX tracks_artist ON tracks(artist_id);
  CREATE TABLE track_artists (
    track_id INTEGER NOT NULL, position INTEGER NOT NULL, artist_id INTEGER NOT NULL,
    PRIMARY KEY (track_id, position)
  ) WITHOUT ROWID;
  CREATE TABLE streams (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    track_id INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    ms_played INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    content INTEGER NOT NULL,
    source INTEGER NOT NULL,
    sources INTEGER NOT NULL,
    local_day INTEGER NOT NULL,
    local_hour INTEGER NOT NULL,
    reason_start INTEGER, reason_end INTEGER, skipped INTEGER, shuffle INTEGER, offline INTEGER,
    incognito INTEGER, platform INTEGER, device INTEGER, context_uri TEXT
  );
  CREATE INDEX streams_ended_at ON streams(ended_at);
  CREATE TABLE stream_keys (key INTEGER PRIMARY KEY, stream_id INTEGER NOT NULL);
  CREATE TABLE daily_stats (
    account_id INTEGER NOT NULL, local_day INTEGER NOT NULL,
    plays INTEGER NOT NULL, skips INTEGER NOT NULL, streams INTEGER NOT NULL, ms_played INTEGER NOT NULL,
    early_skips INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, local_day)
  ) WITHOUT ROWID;
  CREATE TABLE hourly_stats (
    account_id INTEGER NOT NULL, local_dow INTEGER NOT NULL, local_hour INTEGER NOT NULL,
    plays INTEGER NOT NULL, skips INTEGER NOT NULL, ms_played INTEGER NOT NULL,
    PRIMARY KEY (account_id, local_dow, local_hour)
  ) WITHOUT ROWID;
  CREATE TABLE track_stats (
    account_id INTEGER NOT NULL, track_id INTEGER NOT NULL,
    plays INTEGER NOT NULL, skips INTEGER NOT NULL, ms_played INTEGER NOT NULL,
    first_at INTEGER, last_at INTEGER,
    PRIMARY KEY (account_id, track_id)
  ) WITHOUT ROWID;
  CREATE TABLE sessions (
    id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL, plays INTEGER NOT NULL, ms_played INTEGER NOT NULL
  );
  CREATE INDEX sessions_ended_at ON sessions(ended_at);
  `,
  // 2: the local music library and its audio features (derived data: recomputable from the files).
  `
  CREATE TABLE library_files (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, size INTEGER NOT NULL, mtime_ms INTEGER NOT NULL,
    status INTEGER NOT NULL, failure TEXT, artist TEXT, title TEXT, album TEXT, isrc TEXT, duration_ms INTEGER,
    track_id INTEGER, scanned_at INTEGER NOT NULL, analysed_at INTEGER
  );
  CREATE INDEX library_files_track ON library_files(track_id);
  CREATE INDEX tracks_isrc ON tracks(isrc);
  CREATE TABLE audio_features (
    file_id INTEGER PRIMARY KEY, duration_s REAL, loudness_lufs REAL, rms_dbfs REAL, tempo_bpm REAL, tempo_confidence REAL,
    key TEXT, mode TEXT, key_confidence REAL, spectral_centroid_hz REAL, spectral_rolloff_hz REAL, spectral_flatness REAL,
    zcr REAL, onset_rate REAL, dynamic_range_db REAL, energy REAL, danceability REAL, brightness REAL, acousticness REAL,
    valence REAL, mfcc BLOB
  );
  `,
  // 3: capabilities with derived tables (metadata, playlists, stories, scrobbles…) migrate their own
  // tables through migrateModule(); this table remembers how far each got.
  `
  CREATE TABLE module_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID;
  `,
  // 4: an album's tracks (cover art per top-list row, album pages, Cover Art Archive look-ups) were a
  // scan of every track: 0.26 ms a look-up at 1 450 tracks, 50 of them per top list.
  `
  CREATE INDEX tracks_album ON tracks(album_id);
  `,
  // 5: identity keys filed by the UTC day of their record's end (streams.ts keyDay), so an import in time
  // order appends to the table instead of writing a random page per key. Keys stored before keep their
  // hash under day 0, which every look-up checks as well: a record imported before this is still known.
  `
  CREATE TABLE stream_keys_by_day (
    utc_day INTEGER NOT NULL, key INTEGER NOT NULL, stream_id INTEGER NOT NULL, PRIMARY KEY (utc_day, key)
  ) WITHOUT ROWID;
  INSERT INTO stream_keys_by_day (utc_day, key, stream_id) SELECT 0, key, stream_id FROM stream_keys ORDER BY key;
  DROP TABLE stream_keys;
  ALTER TABLE stream_keys_by_day RENAME TO stream_keys;
  `,
];

/** One step of a capability's own schema: SQL run once, in order, in its own transaction. */
export type ModuleMigration = string;

/**
 * Runs the migrations of one capability that the database has not seen yet (tracked per `name` in
 * module_versions), each in its own transaction. Lets a capability own its derived tables without a
 * slot in {@link MIGRATIONS}.
 * @throws Error when a migration fails (it is rolled back; later ones do not run).
 */
export function migrateModule(db: Database, name: string, migrations: readonly ModuleMigration[]): { from: number; to: number } {
  const row = db.exec('SELECT version FROM module_versions WHERE name = ?', [name])[0]?.values[0]?.[0];
  const from = Number(row ?? 0);
  for (let version = from; version < migrations.length; version++) {
    db.exec('BEGIN');
    try {
      db.exec(migrations[version]!);
      db.run('INSERT INTO module_versions (name, version) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET version = excluded.version', [name, version + 1]);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw new Error(`migration ${version + 1} of module "${name}" failed: ${(err as Error).message}`, { cause: err });
    }
  }
  return { from, to: migrations.length };
}

/** Runs the migrations the database has not seen yet, each in its own transaction. */
export function migrate(db: Database): { from: number; to: number } {
  const from = Number(db.exec('PRAGMA user_version')[0]?.values[0]?.[0] ?? 0);
  for (let version = from; version < MIGRATIONS.length; version++) {
    db.exec('BEGIN');
    try {
      db.exec(MIGRATIONS[version]!);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
  return { from, to: MIGRATIONS.length };
}
