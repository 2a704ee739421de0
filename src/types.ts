/**
 * Data shapes shared by several capabilities (snake_case: they are data, PRODUCT.md "Definitions").
 * All `*_at` values are integer ms since the epoch, UTC.
 */

/** Where a record of listening came from. */
export type StreamSource = 'poll' | 'player' | 'import-extended' | 'import-account' | 'import-vibescope' | ScrobbleSource;

/*
 * `import-vibescope`: a Vibescope export (CSV or JSON, src/exports/) imported again: each row is one
 * stored stream with the fields that won, stamped with its end like Spotify's records.
 */

/**
 * Sources that report listens (scrobbles): their timestamp is the START of the listen
 * (PRODUCT.md "listen / scrobble"). `listenbrainz` is the live ListenBrainz poller; the others are
 * imported files (ListenBrainz export, Maloja export, Rockbox .scrobbler.log, Libre.fm / Last.fm CSV,
 * Pano Scrobbler JSONL).
 */
export type ScrobbleSource = 'listenbrainz' | 'import-listenbrainz' | 'import-maloja' | 'import-scrobbler-log' | 'import-lastfm'
  | 'import-panoscrobbler';

/** Every scrobble source (same order as their bits in the store). */
export const SCROBBLE_SOURCES: readonly ScrobbleSource[] = ['listenbrainz', 'import-listenbrainz', 'import-maloja', 'import-scrobbler-log',
  'import-lastfm', 'import-panoscrobbler'];

/** play: a track stream with ms_played >= 30 000; skip: ended early by the listener; other: neither. */
export type StreamKind = 'play' | 'skip' | 'other';

/** What was streamed. Only `track` streams can be plays or skips. */
export type ContentType = 'track' | 'episode' | 'audiobook';

/** An artist as a source gives it; `spotify_id` is null where the source has no URI (account data). */
export interface ArtistInfo { spotify_id: string | null; name: string }

/** An album as a source gives it. `image_url` is the largest cover Spotify returned. */
export interface AlbumInfo { spotify_id: string | null; name: string; image_url: string | null }

/** A track, episode or audiobook chapter as a source gives it. */
export interface TrackInfo {
  /** `spotify:track:…`, `spotify:episode:…`; null where the source has none (account-data export). */
  uri: string | null;
  name: string;
  content: ContentType;
  /** Credited artists in order (for an episode: the show; for an audiobook chapter: the book). */
  artists: ArtistInfo[];
  album: AlbumInfo | null;
  duration_ms: number | null;
  isrc: string | null;
}

/** One record of listening as a source produced it, before ingest merges same streams. */
export interface IncomingStream {
  /** Account name (config `accounts`, or `default`). */
  account: string;
  source: StreamSource;
  /** End of the stream, ms since epoch UTC (Spotify's `ts` / `played_at` / account-data `endTime`). */
  ended_at: number;
  /** Listening time in ms (never the track duration unless the source knows no better). */
  ms_played: number;
  track: TrackInfo;
  reason_start?: string | null;
  reason_end?: string | null;
  /** The source says the listener skipped (export `skipped`, or the player watcher's detection). */
  skipped?: boolean | null;
  shuffle?: boolean | null;
  offline?: boolean | null;
  incognito?: boolean | null;
  platform?: string | null;
  device?: string | null;
  context_uri?: string | null;
  /** MusicBrainz recording MBID the source named (scrobble sources): part of the record's identity. */
  recording_mbid?: string | null;
}

/** A stored stream as the store returns it. */
export interface StreamRow {
  id: number;
  account: string;
  ended_at: number;
  ms_played: number;
  kind: StreamKind;
  content: ContentType;
  /** The source whose fields won (richest first: extended export, account export, player, poll). */
  source: StreamSource;
  /** Every source that recorded this stream. */
  sources: StreamSource[];
  track_id: number;
  track_uri: string | null;
  track_name: string;
  artist_name: string | null;
  album_name: string | null;
  image_url: string | null;
  duration_ms: number | null;
  reason_start: string | null;
  reason_end: string | null;
  skipped: boolean | null;
  shuffle: boolean | null;
  offline: boolean | null;
  incognito: boolean | null;
  platform: string | null;
  device: string | null;
  context_uri: string | null;
}

/** What an account's player is doing, as the player watcher last saw it. */
export interface NowPlaying {
  account: string;
  /** false when nothing plays (204, no item, ad, private session). */
  active: boolean;
  is_playing: boolean;
  /** Why nothing is shown: 'idle' | 'ad' | 'private_session' | 'unknown'; null while a track/episode shows. */
  idle_reason: string | null;
  content: ContentType | null;
  track_uri: string | null;
  track_name: string | null;
  artists: string[];
  album_name: string | null;
  album_art_url: string | null;
  duration_ms: number | null;
  progress_ms: number | null;
  device_name: string | null;
  device_type: string | null;
  context_uri: string | null;
  shuffle: boolean | null;
  repeat: 'off' | 'track' | 'context' | null;
  /** When this stream started (estimated from progress), ms since epoch. */
  started_at: number | null;
  /** When the watcher saw this state. */
  observed_at: number;
}

/** An account's sync state, emitted whenever it changes. */
export interface SyncStatus {
  account: string;
  state: 'ok' | 'error' | 'rate_limited' | 'needs_reconnect' | 'not_connected';
  last_poll_at: number | null;
  last_success_at: number | null;
  last_error: string | null;
}

/** Progress of an import job. */
export interface ImportProgress {
  job_id: string;
  state: 'running' | 'done' | 'failed';
  files_done: number;
  files_total: number;
  rows_read: number;
  /** Bytes of input consumed so far and in all (for a progress bar). */
  bytes_done: number;
  bytes_total: number;
}

/**
 * A finished story as outputs show it (bus `story.created`, Home Assistant's weekly story sensor and
 * story event). `status`: accepted (the model's), template, rejected or failed (the template is shown).
 */
export interface StoryReady {
  id: number;
  account: string;
  period: 'week' | 'month' | 'year';
  start: string;
  end: string;
  title: string;
  summary: string;
  highlights: string[];
  persona: { name: string; description: string };
  status: 'accepted' | 'template' | 'rejected' | 'failed';
  source: 'model' | 'template';
  created_at: number;
}
