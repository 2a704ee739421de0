import type { Counters } from '../stats/index.js';
import type { HealthState } from '../health.js';
import type { NowPlaying, StoryReady, SyncStatus } from '../types.js';

/** Everything an account's entities are derived from. */
export interface AccountView {
  account: string;
  now_playing: NowPlaying | null;
  counters: Counters | null;
  sync: SyncStatus | null;
  /** Audio features of the current track, when the user's own file of it was analysed. */
  features: Record<string, unknown> | null;
  /** Vibescope's health (src/health.ts): the same for every account. */
  health?: HealthState | null;
  /**
   * The newest weekly story (bus `story.created` with period week; at start the stories' `latest(account)`).
   * Optional so views built without it stay valid.
   */
  story?: StoryReady | null;
  /** MusicBrainz genres of the current track, most weighted first (metadata.genresOfUri); absent until wired. */
  genres?: string[] | null;
  /** The account's top genre of the ISO week with its share of the week's plays that have genres (metadata.topGenreWeek). */
  top_genre_week?: { genre: string; plays: number; share: number } | null;
  /** The scrobble sender (src/scrobble status(); bus `scrobble.status`), when the publisher passes it. */
  scrobble?: { state: string; pending: number; backfill_pending: number; sent: number; last_sent_at: number | null; last_error: string | null } | null;
  /** The latest vibe playlist (src/playlists `view`), or null before the first one. */
  playlist?: { name: string | null; url: string | null; tracks: number; new: number; generated_at: number; hit_rate: number | null } | null;
}

/** The payload of the story event entity when a story is ready (publish it, not retained, on `story.created`). */
export function storyEventPayload(s: StoryReady): Record<string, unknown> {
  return { event_type: 'ready', title: s.title, summary: s.summary, period: s.period, start: s.start, end: s.end, status: s.status, source: s.source };
}

/** HA's state limit: 255 characters (homeassistant.const MAX_LENGTH_STATE_STATE), counted in code points. */
export const MAX_STATE_LENGTH = 255;

/** Cuts text to HA's state limit without splitting a grapheme (emoji sequences stay whole). */
export function cutState(text: string): string {
  if ([...text].length <= MAX_STATE_LENGTH) return text;
  let out = '';
  let length = 0;
  for (const { segment } of new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(text)) {
    const n = [...segment].length;
    if (length + n > MAX_STATE_LENGTH - 1) break;
    out += segment; length += n;
  }
  return `${out}…`;
}

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
const seconds = (ms: number | null | undefined): number | null => (ms === null || ms === undefined ? null : Math.round(ms / 100) / 10);

/** One row of the entity table: discovery fields, and how the state and attributes are derived. */
export interface EntityDef {
  key: string;
  component: 'sensor' | 'binary_sensor' | 'image' | 'event' | 'button' | 'device_automation';
  name?: string;
  icon?: string;
  device_class?: string;
  unit_of_measurement?: string;
  state_class?: 'measurement' | 'total' | 'total_increasing';
  entity_category?: 'diagnostic';
  suggested_display_precision?: number;
  options?: string[];
  enabled_by_default?: boolean;
  /**
   * The state (string) from the view; null publishes "None" (HA shows unknown), or, with
   * `own_availability`, marks the entity unavailable. Absent: no state topic.
   */
  state?: (v: AccountView) => string | null;
  /**
   * The state topic below the account's topic (`vibescope/<account>/<topic>`); default: the key.
   * Changing it needs the old one in `legacy_topics`.
   */
  topic?: string;
  /**
   * The entity can be "nothing" (album art with nothing playing) and Home Assistant has no payload
   * for that: it gets its own availability topic `vibescope/<account>/<key>/availability` besides
   * Vibescope's (availability_mode all, as zigbee2mqtt does). A null state then publishes
   * `offline` there and leaves the state topic alone; a state publishes it, then `online`.
   */
  own_availability?: boolean;
  /** State topics (below the account's topic) that earlier versions used: a retained message left there is cleared at start-up. */
  legacy_topics?: string[];
  /** JSON attributes from the view (json_attributes_topic). */
  attributes?: (v: AccountView) => Record<string, unknown> | null;
  /** Extra discovery keys that need the entity's topics. */
  extra?: (t: { state: string; base: string }) => Record<string, unknown>;
}

/** Scrobble sender states as the enum sensor shows them (src/scrobble/sender.ts SenderState, plus off). */
export const SCROBBLE_STATES = ['off', 'idle', 'sending', 'backing_off', 'rate_limited', 'needs_token', 'stopped'] as const;

/** Sync states as the enum sensor shows them: exactly the states spotify reports (SyncStatus). */
export const SYNC_STATES = ['ok', 'error', 'rate_limited', 'needs_reconnect', 'not_connected'] as const satisfies readonly SyncStatus['state'][];
// Every state spotify can report is an option of the enum (HA refuses a state that is not one).
const syncStatesCovered: SyncStatus['state'] extends (typeof SYNC_STATES)[number] ? true : never = true;
void syncStatesCovered;

/** Health states as the enum sensor shows them (src/health.ts HealthState). */
export const HEALTH_STATES = ['ok', 'degraded'] as const satisfies readonly HealthState['status'][];
/** At most this many problems go into the health entity's attributes (HA keeps attribute sets small). */
export const MAX_HEALTH_PROBLEMS = 20;

/**
 * THE entity table: every Home Assistant entity of an account. Adding an entity is one row.
 * Classes, units and state classes follow homeassistant/components/sensor/const.py
 * (DEVICE_CLASS_UNITS, DEVICE_CLASS_STATE_CLASSES); research/mqtt-discovery.md §9.
 */
export const ENTITIES: readonly EntityDef[] = [
  {
    key: 'now_playing', component: 'sensor', name: 'Now playing', icon: 'mdi:music',
    state: (v) => (v.now_playing?.active && v.now_playing.track_name ? cutState(v.now_playing.track_name) : 'idle'),
    attributes: (v) => {
      const n = v.now_playing;
      if (!n?.active) return { idle_reason: n?.idle_reason ?? 'idle' };
      return { title: n.track_name, artists: n.artists, album: n.album_name, album_art_url: n.album_art_url,
        duration_s: seconds(n.duration_ms), progress_s: seconds(n.progress_ms), is_playing: n.is_playing, device: n.device_name,
        context_uri: n.context_uri, track_uri: n.track_uri, content: n.content, started_at: iso(n.started_at),
        tempo_bpm: (v.features?.tempo_bpm as number | undefined) ?? null,
        key: v.features?.key ? `${String(v.features.key)} ${String(v.features.mode)}` : null,
        energy: v.features?.energy === undefined || v.features.energy === null ? null : Math.round((v.features.energy as number) * 100),
        genres: v.genres ?? [] };
    },
  },
  { key: 'current_energy', component: 'sensor', name: 'Current energy', icon: 'mdi:lightning-bolt', unit_of_measurement: '%',
    state_class: 'measurement', suggested_display_precision: 0,
    state: (v) => (v.now_playing?.active && typeof v.features?.energy === 'number' ? String(Math.round((v.features.energy as number) * 100)) : null) },
  // HA's image entity logs an error for every payload that is not a URL ("None" included), retained ones at
  // every start (homeassistant/components/mqtt/image.py): no art means unavailable, never a payload.
  { key: 'album_art', component: 'image', name: 'Album art', icon: 'mdi:album', topic: 'album_art/url', own_availability: true,
    legacy_topics: ['album_art'],
    state: (v) => (v.now_playing?.active && v.now_playing.album_art_url ? v.now_playing.album_art_url : null),
    extra: (t) => ({ url_topic: t.state }) },
  { key: 'playing', component: 'binary_sensor', name: 'Playing', icon: 'mdi:play-circle',
    state: (v) => (v.now_playing?.active && v.now_playing.is_playing ? 'ON' : 'OFF') },
  { key: 'skip', component: 'event', name: 'Skip', icon: 'mdi:skip-next', extra: (t) => ({ event_types: ['skip'], qos: 1, state_topic: t.state }) },
  { key: 'track_skipped', component: 'device_automation',
    extra: (t) => ({ automation_type: 'trigger', type: 'skipped', subtype: 'track', topic: `${t.base}/skip`,
      value_template: '{{ value_json.event_type }}', payload: 'skip', qos: 1 }) },
  { key: 'plays_today', component: 'sensor', name: 'Plays today', icon: 'mdi:counter', unit_of_measurement: 'plays', state_class: 'total_increasing',
    state: (v) => (v.counters ? String(v.counters.plays_today) : null) },
  { key: 'listening_time_today', component: 'sensor', name: 'Listening time today', device_class: 'duration', unit_of_measurement: 'min',
    state_class: 'total_increasing', suggested_display_precision: 0,
    state: (v) => (v.counters ? String(Math.round(v.counters.listening_ms_today / 600) / 100) : null) },
  { key: 'skips_today', component: 'sensor', name: 'Skips today', icon: 'mdi:skip-forward', unit_of_measurement: 'skips', state_class: 'total_increasing',
    state: (v) => (v.counters ? String(v.counters.skips_today) : null) },
  { key: 'skip_rate_7d', component: 'sensor', name: 'Skip rate (7 days)', icon: 'mdi:percent', unit_of_measurement: '%', state_class: 'measurement',
    suggested_display_precision: 1, state: (v) => (v.counters?.skip_rate_7d === null || !v.counters ? null : String(v.counters.skip_rate_7d)) },
  { key: 'top_artist_week', component: 'sensor', name: 'Top artist this week', icon: 'mdi:account-music',
    state: (v) => (v.counters?.top_artist_week ? cutState(v.counters.top_artist_week.name) : null),
    attributes: (v) => ({ plays: v.counters?.top_artist_week?.plays ?? 0, name: v.counters?.top_artist_week?.name ?? null }) },
  { key: 'top_track_week', component: 'sensor', name: 'Top track this week', icon: 'mdi:music-note',
    state: (v) => (v.counters?.top_track_week ? cutState(v.counters.top_track_week.name) : null),
    attributes: (v) => ({ plays: v.counters?.top_track_week?.plays ?? 0, name: v.counters?.top_track_week?.name ?? null,
      artist: v.counters?.top_track_week?.artist ?? null }) },
  { key: 'top_genre_week', component: 'sensor', name: 'Top genre this week', icon: 'mdi:music-box-multiple',
    state: (v) => (v.top_genre_week ? cutState(v.top_genre_week.genre) : null),
    attributes: (v) => ({ share: v.top_genre_week?.share ?? null, plays: v.top_genre_week?.plays ?? 0 }) },
  { key: 'streak_days', component: 'sensor', name: 'Listening streak', icon: 'mdi:fire', unit_of_measurement: 'days', state_class: 'measurement',
    state: (v) => (v.counters ? String(v.counters.streak_days) : null) },
  { key: 'last_play', component: 'sensor', name: 'Last play', device_class: 'timestamp',
    state: (v) => iso(v.counters?.last_play_at) },
  { key: 'stored_plays', component: 'sensor', name: 'Stored plays', icon: 'mdi:database', unit_of_measurement: 'plays', state_class: 'total_increasing',
    state: (v) => (v.counters ? String(v.counters.stored_plays) : null) },
  { key: 'last_poll', component: 'sensor', name: 'Last successful poll', device_class: 'timestamp', entity_category: 'diagnostic',
    state: (v) => iso(v.sync?.last_success_at) },
  { key: 'sync_status', component: 'sensor', name: 'Sync status', device_class: 'enum', options: [...SYNC_STATES], entity_category: 'diagnostic',
    state: (v) => v.sync?.state ?? 'not_connected',
    attributes: (v) => ({ last_error: v.sync?.last_error ?? null, last_poll_at: iso(v.sync?.last_poll_at) }) },
  { key: 'health', component: 'sensor', name: 'Health', icon: 'mdi:heart-pulse', device_class: 'enum', options: [...HEALTH_STATES],
    entity_category: 'diagnostic',
    state: (v) => v.health?.status ?? 'ok',
    attributes: (v) => {
      const problems = v.health?.problems ?? [];
      return { problem_count: problems.length,
        problems: problems.slice(0, MAX_HEALTH_PROBLEMS).map((p) => ({ id: p.id, code: p.code, message: p.message, since: iso(p.since) })),
        messages: problems.slice(0, MAX_HEALTH_PROBLEMS).map((p) => p.message) };
    } },
  { key: 'needs_reconnect', component: 'binary_sensor', name: 'Needs reconnect', device_class: 'problem', entity_category: 'diagnostic',
    state: (v) => (v.sync?.state === 'needs_reconnect' ? 'ON' : 'OFF') },
  { key: 'scrobble_status', component: 'sensor', name: 'Scrobbling', device_class: 'enum', options: [...SCROBBLE_STATES], entity_category: 'diagnostic',
    icon: 'mdi:broadcast', state: (v) => v.scrobble?.state ?? 'off',
    attributes: (v) => ({ pending: v.scrobble?.pending ?? 0, backfill_pending: v.scrobble?.backfill_pending ?? 0, sent: v.scrobble?.sent ?? 0,
      last_sent_at: iso(v.scrobble?.last_sent_at), last_error: v.scrobble?.last_error ?? null, needs_token: v.scrobble?.state === 'needs_token' }) },
  { key: 'sync_now', component: 'button', name: 'Sync now', icon: 'mdi:sync',
    extra: (t) => ({ command_topic: `${t.base}/sync/set`, payload_press: 'PRESS', qos: 1 }) },
  // The story (src/story/): the latest weekly story, and an event when any story is ready.
  { key: 'weekly_story', component: 'sensor', name: 'Weekly story', icon: 'mdi:book-open-variant',
    state: (v) => (v.story ? cutState(v.story.title) : null),
    attributes: (v) => (v.story ? { summary: v.story.summary, highlights: v.story.highlights, persona: v.story.persona,
      period: { kind: v.story.period, start: v.story.start, end: v.story.end }, status: v.story.status, source: v.story.source,
      created_at: iso(v.story.created_at) } : {}) },
  { key: 'story', component: 'event', name: 'Story', icon: 'mdi:book-open-page-variant',
    extra: (t) => ({ event_types: ['ready'], qos: 1, state_topic: t.state }) },
  // Vibe playlists (src/playlists): generate now, "ready" when one was written, the latest one.
  { key: 'generate_playlist', component: 'button', name: 'Generate vibe playlist', icon: 'mdi:playlist-plus',
    extra: (t) => ({ command_topic: `${t.base}/generate_playlist/set`, payload_press: 'PRESS', qos: 1 }) },
  { key: 'playlist', component: 'event', name: 'Playlist', icon: 'mdi:playlist-check',
    extra: (t) => ({ event_types: ['ready'], qos: 1, state_topic: t.state }) },
  { key: 'vibe_playlist', component: 'sensor', name: 'Vibe playlist', icon: 'mdi:playlist-music', unit_of_measurement: 'tracks', state_class: 'measurement',
    state: (v) => (v.playlist ? String(v.playlist.tracks) : null),
    attributes: (v) => ({ url: v.playlist?.url ?? null, name: v.playlist?.name ?? null, new: v.playlist?.new ?? null,
      generated_at: iso(v.playlist?.generated_at), hit_rate: v.playlist?.hit_rate === null || v.playlist?.hit_rate === undefined ? null : Math.round(v.playlist.hit_rate * 1000) / 10 }) },
];
