/**
 * Data shapes of the playlists capability (snake_case: they are data, in REST, the journal and MQTT).
 * All `*_at` values are ms since the epoch, UTC.
 */

/** vibe: the daily vibe playlist; mixtape: the weekly mood mixtape. */
export type PlaylistKind = 'vibe' | 'mixtape';

/** running → success | failed. A run killed mid-way is failed at the next start. */
export type RunStatus = 'running' | 'success' | 'failed';

/** What started a run. */
export type RunTrigger = 'schedule' | 'api' | 'cli' | 'mqtt';

/**
 * Where a candidate came from: the account's own history (rediscoveries, deep cuts of top artists,
 * liked songs not played lately), Spotify search for seed artists and genres, Last.fm similar
 * artists and tracks (resolved by search), or (mixtape) the analysed local library.
 */
export type SourceName = 'rediscoveries' | 'deep_cuts' | 'liked_not_played' | 'spotify_search' | 'lastfm' | 'library_mood';

/** How a candidate source did in one run. */
export interface SourceReport {
  source: SourceName;
  /** Distinct candidates it gave. */
  candidates: number;
  /** skipped: not configured or not reachable (no Spotify connection, no Last.fm key); failed: it threw, the run went on. */
  status: 'ok' | 'failed' | 'skipped';
  /** A sentence for a person when status is not ok. */
  error: string | null;
}

/** One track of a generated list, with why it is there. */
export interface RunTrack {
  position: number;
  /** `spotify:track:…`; null for a track only known by name (it then appears in the M3U only). */
  uri: string | null;
  name: string;
  artist_name: string | null;
  album_name: string | null;
  image_url: string | null;
  duration_ms: number | null;
  isrc: string | null;
  /** trackNameKey(artist, title) (src/store/names.ts): the identity used for duplicates and history. */
  name_key: string;
  source: SourceName;
  /** The ranking score (rank.ts; higher is better). */
  score: number;
  /** A sentence: why this track was chosen. */
  why: string;
  /** The account never streamed it (vibe_min_new_ratio counts these). */
  is_new: boolean;
  /** 0..1 energy from the user's own analysed file, when there is one. */
  energy: number | null;
}

/** A top candidate that was left out, and why. */
export interface Exclusion { uri: string | null; name: string; artist_name: string | null; score: number; reason: string }

/** The full state of a run as it is journaled and served (GET /api/v1/playlists/runs/{id}). */
export interface RunState {
  id: number;
  account: string;
  kind: PlaylistKind;
  trigger: RunTrigger;
  dry_run: boolean;
  status: RunStatus;
  /** How far it got: seed (building the list), ranked (the list is complete), publishing (writing to Spotify), m3u, done. */
  stage: string;
  started_at: number;
  ended_at: number | null;
  totals: { total: number; new: number; reused: number };
  /** Sum of the tracks' durations, ms. */
  duration_ms: number;
  name: string | null;
  description: string | null;
  spotify_playlist_id: string | null;
  spotify_url: string | null;
  /** The M3U8 file written for this run (absolute path), or null. */
  m3u_path: string | null;
  /** Tracks of the list that are in the M3U (matched to a local file). */
  m3u_tracks: number;
  /** A sentence for a person when the run failed. */
  error: string | null;
  sources: SourceReport[];
  /** The first 20 top-ranked candidates that were left out, with the reason. */
  exclusions: Exclusion[];
  notes: string[];
  tracks: RunTrack[];
}

/** Feedback on a run: how its tracks did in the 7 days after it was made. */
export interface RunFeedback {
  /** Share (0..1) of its tracks played >= 30 s within 7 days; null for a dry or failed run. */
  hit_rate: number | null;
  /** Skips / (plays + skips) of its tracks' streams within 7 days; null when none were streamed. */
  skip_rate: number | null;
  /** True once the 7 days are over (the figures no longer change). */
  final: boolean;
}

/** A run as listed (GET /api/v1/playlists/runs): everything but the tracks, exclusions and notes. */
export type RunSummary = Omit<RunState, 'tracks' | 'exclusions' | 'notes'> & { feedback: RunFeedback };

/** The latest playlist of an account for Home Assistant (sensor.vibescope_<acct>_vibe_playlist). */
export interface PlaylistView {
  run_id: number;
  kind: PlaylistKind;
  name: string | null;
  url: string | null;
  tracks: number;
  new: number;
  generated_at: number;
  /** Hit rate (0..1) of the latest vibe playlist whose 7 days are over; null when there is none yet. */
  hit_rate: number | null;
}

/** Genres of catalog tracks (track id → MusicBrainz genres), when the metadata capability provides them. */
export type GenresOf = (trackIds: readonly number[]) => ReadonlyMap<number, readonly string[]> | Promise<ReadonlyMap<number, readonly string[]>>;
