/**
 * The playlists capability's own tables (store.migrateModule('playlists', …)). Derived data: the run log
 * is journaled (records.ts) so it survives a crash; the caches (liked songs, search results, Last.fm)
 * are not, and are fetched again when lost.
 *
 * Codes: playlist_runs.kind 0 vibe, 1 mixtape; status 0 running, 1 success, 2 failed. Booleans 0/1.
 */
export const PLAYLISTS_MODULE = 'playlists';

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE playlist_runs (
    id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, kind INTEGER NOT NULL, trigger TEXT NOT NULL, dry_run INTEGER NOT NULL,
    status INTEGER NOT NULL, stage TEXT NOT NULL, started_at INTEGER NOT NULL, ended_at INTEGER,
    total INTEGER NOT NULL DEFAULT 0, new INTEGER NOT NULL DEFAULT 0, reused INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0, name TEXT, description TEXT, spotify_playlist_id TEXT, spotify_url TEXT,
    m3u_path TEXT, m3u_tracks INTEGER NOT NULL DEFAULT 0, error TEXT
  );
  CREATE INDEX playlist_runs_account ON playlist_runs(account_id, kind, started_at);
  CREATE TABLE playlist_run_tracks (
    run_id INTEGER NOT NULL, position INTEGER NOT NULL, uri TEXT, name TEXT NOT NULL, artist_name TEXT, album_name TEXT,
    image_url TEXT, duration_ms INTEGER, isrc TEXT, name_key TEXT NOT NULL, source TEXT NOT NULL, score REAL NOT NULL,
    why TEXT NOT NULL, is_new INTEGER NOT NULL, energy REAL,
    PRIMARY KEY (run_id, position)
  ) WITHOUT ROWID;
  CREATE TABLE playlist_run_sources (
    run_id INTEGER NOT NULL, source TEXT NOT NULL, candidates INTEGER NOT NULL, status TEXT NOT NULL, error TEXT,
    PRIMARY KEY (run_id, source)
  ) WITHOUT ROWID;
  CREATE TABLE playlist_run_exclusions (
    run_id INTEGER NOT NULL, position INTEGER NOT NULL, uri TEXT, name TEXT NOT NULL, artist_name TEXT, score REAL NOT NULL,
    reason TEXT NOT NULL, PRIMARY KEY (run_id, position)
  ) WITHOUT ROWID;
  CREATE TABLE playlist_run_notes (run_id INTEGER NOT NULL, position INTEGER NOT NULL, note TEXT NOT NULL, PRIMARY KEY (run_id, position)) WITHOUT ROWID;

  CREATE TABLE remote_tracks (
    uri TEXT PRIMARY KEY, name TEXT NOT NULL, artist_name TEXT, artist_spotify_id TEXT, album_name TEXT, image_url TEXT,
    duration_ms INTEGER, isrc TEXT, name_key TEXT NOT NULL, seen_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE liked_tracks (account_id INTEGER NOT NULL, uri TEXT NOT NULL, added_at INTEGER NOT NULL, PRIMARY KEY (account_id, uri)) WITHOUT ROWID;
  CREATE TABLE liked_sync (account_id INTEGER PRIMARY KEY, synced_at INTEGER NOT NULL, full_synced_at INTEGER NOT NULL, total INTEGER NOT NULL);
  CREATE TABLE search_cache (query TEXT NOT NULL, offset INTEGER NOT NULL, fetched_at INTEGER NOT NULL, total INTEGER NOT NULL,
    PRIMARY KEY (query, offset)) WITHOUT ROWID;
  CREATE TABLE search_results (query TEXT NOT NULL, offset INTEGER NOT NULL, position INTEGER NOT NULL, uri TEXT NOT NULL,
    PRIMARY KEY (query, offset, position)) WITHOUT ROWID;
  CREATE TABLE lastfm_cache (seed TEXT PRIMARY KEY, fetched_at INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE lastfm_similar (seed TEXT NOT NULL, position INTEGER NOT NULL, artist_name TEXT NOT NULL, track_name TEXT,
    match REAL NOT NULL, PRIMARY KEY (seed, position)) WITHOUT ROWID;
  `,
];

export const KIND_CODE = { vibe: 0, mixtape: 1 } as const;
export const KIND_NAME = ['vibe', 'mixtape'] as const;
export const STATUS_CODE = { running: 0, success: 1, failed: 2 } as const;
export const STATUS_NAME = ['running', 'success', 'failed'] as const;
