import { z } from 'zod';
import { isTimeZone } from '../time.js';

/** Spotify's own base URLs (https://developer.spotify.com/documentation/web-api). */
export const SPOTIFY_API_URL = 'https://api.spotify.com/v1';
export const SPOTIFY_ACCOUNTS_URL = 'https://accounts.spotify.com';
/** MetaBrainz's public services (https://listenbrainz.readthedocs.io, https://musicbrainz.org/doc/MusicBrainz_API, https://coverartarchive.org). */
export const LISTENBRAINZ_API_URL = 'https://api.listenbrainz.org';
export const MUSICBRAINZ_API_URL = 'https://musicbrainz.org';
export const COVERART_URL = 'https://coverartarchive.org';

/**
 * Spotify accepts as redirect URI only HTTPS or a loopback IP literal over HTTP (`localhost` is refused):
 * https://developer.spotify.com/documentation/web-api/concepts/redirect_uri
 */
function isSpotifyRedirectUri(value: string): boolean {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === '[::1]');
  } catch {
    return false;
  }
}

/** One Spotify account of the household (Spotify allows 5 users per development-mode app). */
export const accountSchema = z.object({
  name: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'lower-case letters, digits, _ and -, at most 32'),
  display_name: z.string().min(1).max(64).optional(),
  /** Local time of this account's nightly vibe playlist (HH:MM); default: the vibe_playlist_time option. */
  vibe_playlist_time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour local time').optional(),
});

/**
 * THE options schema: every option Vibescope has, with its default and bounds, and nowhere else.
 * Keys are the add-on's option names (config.yaml, translations/*.yaml, options.json share them).
 */
export const configSchema = z.object({
  client_id: z.string().default(''),
  client_secret: z.string().optional(),
  redirect_uri: z.string()
    .refine(isSpotifyRedirectUri, 'must be https://… or http://127.0.0.1:PORT/… (Spotify refuses localhost)')
    .default('http://127.0.0.1:8888/callback'),
  history_poll_interval_s: z.int().min(30).max(600).default(60),
  player_poll_interval_s: z.int().min(5).max(120).default(15),
  /** A track changed before this much listening is a skip (at most 30: see classify() in src/ingest/classify.ts). */
  skip_threshold_s: z.int().min(5).max(30).default(30),
  timezone: z.string().refine((tz) => tz === '' || isTimeZone(tz), 'an IANA time zone such as Europe/Berlin')
    .default(''),
  data_dir: z.string().min(1).default('./data'),
  port: z.int().min(1).max(65535).default(8099),
  /** Standalone: the address the panel listens on (0.0.0.0 = every interface; 127.0.0.1 = this machine only). */
  bind_address: z.union([z.ipv4(), z.ipv6()]).default('0.0.0.0'),
  /** Standalone: basic auth for the panel and the REST API (both set, or neither). */
  web_username: z.string().min(1).max(128).optional(),
  web_password: z.string().min(8, 'at least 8 characters').max(256).optional(),
  log_level: z.enum(['trace', 'debug', 'info', 'notice', 'warning', 'error', 'fatal']).default('info'),
  accounts: z.array(accountSchema).max(5, 'at most 5 accounts (Spotify allows 5 users per app)').default([]),
  spotify_api_url: z.url().default(SPOTIFY_API_URL),
  spotify_accounts_url: z.url().default(SPOTIFY_ACCOUNTS_URL),
  http_timeout_s: z.int().min(1).max(120).default(15),
  snapshot_max_journal_records: z.int().min(10).max(100_000).default(2000),
  library_paths: z.array(z.string().min(1)).max(20).default([]),
  library_rescan_hours: z.int().min(1).max(168).default(24),
  mqtt_url: z.string().regex(/^(mqtts?|wss?):\/\/[^\s]+$/, 'mqtt://host:1883, mqtts://host:8883, ws:// or wss://').optional(),
  mqtt_username: z.string().optional(),
  mqtt_password: z.string().optional(),
  mqtt_discovery_prefix: z.string().regex(/^[A-Za-z0-9_/-]+$/, 'letters, digits, _, - and /').default('homeassistant'),
  mqtt_birth_topic: z.string().min(1).default('homeassistant/status'),
  mqtt_base_topic: z.string().regex(/^[A-Za-z0-9_/-]+$/, 'letters, digits, _, - and /').default('vibescope'),
  mqtt_discovery_mode: z.enum(['device', 'entity']).default('device'),
  // The story (src/story/, issue 14): who narrates the facts, in which voice, and when.
  ai_provider: z.enum(['none', 'gemini', 'openai_compatible']).default('none'),
  /** Gemini: the SDK's httpOptions.baseUrl (a proxy); OpenAI-compatible: the server's /v1 address (default OpenAI's). */
  ai_base_url: z.url().optional(),
  /** Default gemini-2.5-flash for Gemini; required for openai_compatible (the model the server serves). */
  ai_model: z.string().min(1).max(200).optional(),
  ai_api_key: z.string().min(1).max(1000).optional(),
  ai_timeout_s: z.int().min(5).max(600).default(120),
  story_tone: z.enum(['friendly', 'roast']).default('friendly'),
  /** auto: Home Assistant's language (add-on), else the system's; stories are written in en or de. */
  story_language: z.enum(['auto', 'en', 'de']).default('auto'),
  /** When the weekly story is written (local time), or off. */
  story_schedule: z.string().regex(/^(off|(mon|tue|wed|thu|fri|sat|sun) ([01]\d|2[0-3]):[0-5]\d)$/, 'off, or a weekday and a time such as mon 08:00')
    .default('mon 08:00'),
  // Beyond Spotify (issue 15, src/scrobble/): scrobbles out to a ListenBrainz-compatible server, the ListenBrainz live source.
  /** API root of a ListenBrainz-compatible server to scrobble to (ListenBrainz: https://api.listenbrainz.org; Maloja: …/apis/listenbrainz). */
  scrobble_url: z.url().optional(),
  scrobble_token: z.string().min(1).max(256).optional(),
  /** Also send the stored history once, as import batches. */
  scrobble_backfill: z.boolean().default(false),
  /** A ListenBrainz user whose listens are recorded too (listening outside Spotify). */
  listenbrainz_user: z.string().regex(/^[^/\s]{1,64}$/, 'a ListenBrainz user name').optional(),
  /** ListenBrainz user token (also used by the metadata enrichment). */
  listenbrainz_token: z.string().min(1).max(256).optional(),
  listenbrainz_api_url: z.url().default(LISTENBRAINZ_API_URL),
  listenbrainz_poll_interval_s: z.int().min(60).max(3600).default(120),
  // The panel's cover art (src/art): image bytes cached on disk under data_dir/art, least recently used dropped past the cap.
  art_cache_mb: z.int().min(10).max(10_000).default(200),
  // Metadata enrichment (src/metadata/): genres, countries, eras, cover art and popularity from MusicBrainz / ListenBrainz.
  /** Resolve tracks to MusicBrainz recordings in the background (artist, title and album names leave the box). */
  metadata_enrichment: z.boolean().default(true),
  musicbrainz_api_url: z.url().default(MUSICBRAINZ_API_URL),
  coverart_url: z.url().default(COVERART_URL),
  // Vibe playlists and weekly mixtapes (src/playlists).
  /** Write the daily vibe playlist (and the weekly mixtape) to Spotify; asks for the playlist-modify scopes at connect. */
  vibe_playlists: z.boolean().default(false),
  /** Local time of the nightly run (HH:MM, 24 h); an account's own vibe_playlist_time wins. */
  vibe_playlist_time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour local time').default('05:30'),
  /** Tracks per vibe playlist (at most 100: one Spotify request replaces the whole list). */
  vibe_playlist_size: z.int().min(10).max(100).default(30),
  /** Share of tracks the account never streamed (0..1). */
  vibe_min_new_ratio: z.number().min(0).max(1).default(0.3),
  /** replace: one playlist per account updated in place (keeps followers); new: a new playlist every run. */
  vibe_playlist_mode: z.enum(['replace', 'new']).default('replace'),
  /** Days of recent plays the seed profile is built from. */
  vibe_recent_days: z.int().min(1).max(90).default(14),
  /** A weekly mixtape (Mondays) from the week's dominant mood, when audio features exist. */
  vibe_mixtape: z.boolean().default(true),
  /** Folder the M3U8 playlists of local files are written to; empty: <data_dir>/playlists (the add-on: /share/vibescope). */
  vibe_m3u_dir: z.string().default(''),
  /** Optional Last.fm API key: similar artists and tracks as an extra candidate source. */
  lastfm_api_key: z.string().optional(),
  lastfm_api_url: z.url().default('https://ws.audioscrobbler.com/2.0/'),
}).strict().refine((c) => (c.web_username === undefined) === (c.web_password === undefined),
  { message: 'set both web_username and web_password, or neither', path: ['web_password'] });

/** The validated options. */
export type Config = z.infer<typeof configSchema>;
/** One configured account. */
export type AccountConfig = z.infer<typeof accountSchema>;
