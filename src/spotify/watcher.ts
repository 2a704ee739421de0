import type { Ingest } from '../ingest/index.js';
import type { Bus } from '../bus.js';
import { SpotifyError } from '../errors.js';
import type { IncomingStream, NowPlaying, TrackInfo } from '../types.js';
import type { SpotifyClient } from './http.js';
import { playerSchema, toTrackInfo, type PlayerState } from './parse.js';

/** Within this of the track's end, a track change is the track ending, not a skip. */
export const END_MARGIN_MS = 5_000;
/** Slack when deciding that a jump back on the same track started it over (a new stream). */
const RESTART_SLACK_MS = 3_000;
/** Poll again this long after the current track should end. */
const END_POLL_SLACK_MS = 1_500;

/** What one GET /me/player showed. */
export interface Observation {
  at: number;
  /** 'item': a track or episode plays or is paused; otherwise why nothing is tracked */
  kind: 'item' | 'none' | 'ad' | 'private';
  track: TrackInfo | null;
  progress_ms: number;
  is_playing: boolean;
  device_name: string | null;
  device_type: string | null;
  context_uri: string | null;
  shuffle: boolean | null;
  repeat: 'off' | 'track' | 'context' | null;
}

/** The stream being watched. */
interface Current {
  track: TrackInfo;
  started_at: number;
  listened_ms: number;
  last_progress_ms: number;
  last_at: number;
  playing: boolean;
  device: string | null;
  context_uri: string | null;
  shuffle: boolean | null;
}

/** GET /me/player body (or null for 204) → {@link Observation}. */
export function toObservation(body: PlayerState | null, at: number): Observation {
  const none: Observation = { at, kind: 'none', track: null, progress_ms: 0, is_playing: false, device_name: null, device_type: null,
    context_uri: null, shuffle: null, repeat: null };
  if (!body) return none;
  const common = { device_name: body.device?.name ?? null, device_type: body.device?.type ?? null, context_uri: body.context?.uri ?? null,
    shuffle: body.shuffle_state ?? null, repeat: body.repeat_state ?? null, is_playing: body.is_playing, progress_ms: body.progress_ms ?? 0 };
  if (body.device?.is_private_session) return { ...none, ...common, kind: 'private' };
  if (body.currently_playing_type === 'ad') return { ...none, ...common, kind: 'ad' };
  if (!body.item) return { ...none, ...common };
  return { ...common, at, kind: 'item', track: toTrackInfo(body.item) };
}

/**
 * The player-watching state machine (PRODUCT.md "skip"): feed it observations in time order; it
 * returns the streams that ended. ms_played counts only observed progress that wall-clock time can
 * explain (pauses and seeks are not listening). A stream ends when the track changes, playback stops,
 * an ad or a private session starts, or the same track restarts from the top (repeat-one, back button).
 */
export function createPlayerStateMachine(account: string, skipThresholdMs: number) {
  let current: Current | null = null;

  let lastAt: number | null = null;

  /** A stream first seen at `o`: the progress it already has counts as listened, bounded by the time since the previous observation. */
  function startStream(o: Observation): Current {
    const heard = lastAt === null ? o.progress_ms : Math.min(o.progress_ms, Math.max(0, o.at - lastAt));
    return { track: o.track!, started_at: o.at - o.progress_ms, listened_ms: heard, last_progress_ms: o.progress_ms, last_at: o.at,
      playing: o.is_playing, device: o.device_name, context_uri: o.context_uri, shuffle: o.shuffle };
  }

  function advance(c: Current, o: Observation): void {
    const dt = Math.max(0, o.at - c.last_at);
    const dp = o.progress_ms - c.last_progress_ms;
    if (c.playing || o.is_playing) c.listened_ms += dp >= 0 ? Math.min(dt, dp) : Math.min(dt, o.progress_ms);
    c.last_progress_ms = o.progress_ms; c.last_at = o.at; c.playing = o.is_playing;
    c.device = o.device_name ?? c.device;
  }

  /** Ends `c`; `nextStartedAt` is when the following stream began (or the observation time when nothing follows). */
  function finish(c: Current, nextStartedAt: number, trackChanged: boolean, restart: boolean): IncomingStream | null {
    const duration = c.track.duration_ms;
    let endAt = c.last_at;
    if (c.playing) {
      const naturalEnd = duration !== null ? c.last_at + Math.max(0, duration - c.last_progress_ms) : Infinity;
      endAt = Math.max(c.last_at, Math.min(nextStartedAt, naturalEnd));
    }
    const extra = endAt - c.last_at;
    const listened = Math.round(c.listened_ms + extra);
    const position = c.last_progress_ms + extra;
    const atEnd = duration !== null && position >= duration - END_MARGIN_MS;
    const skipped = (trackChanged || restart) && !atEnd && listened < skipThresholdMs;
    const reasonEnd = atEnd ? 'trackdone' : restart ? 'backbtn' : trackChanged ? null : 'endplay';
    if (listened <= 0 && !skipped) return null;
    return {
      account, source: 'player', ended_at: Math.round(endAt), ms_played: listened, track: c.track,
      skipped: c.track.content === 'track' ? skipped : false, reason_end: reasonEnd, shuffle: c.shuffle, device: c.device,
      context_uri: c.context_uri,
    };
  }

  /** Feeds one observation; returns the streams it ended (0 or 1). */
  function observe(o: Observation): IncomingStream[] {
    const ended = step(o);
    lastAt = o.at;
    return ended;
  }

  function step(o: Observation): IncomingStream[] {
    const ended: IncomingStream[] = [];
    const c = current;
    if (c && o.kind === 'item' && o.track!.uri === c.track.uri) {
      // Back to near the top, later than the last observation could explain by a seek: repeat-one or a restart.
      const wentBack = o.progress_ms + 3_000 < c.last_progress_ms && o.progress_ms <= o.at - c.last_at + RESTART_SLACK_MS;
      if (!wentBack) { advance(c, o); return ended; }
      const record = finish(c, o.at - o.progress_ms, false, true);
      if (record) ended.push(record);
      current = startStream(o);
      return ended;
    }
    if (c) {
      const nextStartedAt = o.kind === 'item' ? Math.max(c.last_at, o.at - o.progress_ms) : o.at;
      const record = finish(c, nextStartedAt, o.kind === 'item', false);
      if (record) ended.push(record);
      current = null;
    }
    if (o.kind === 'item') current = startStream(o);
    return ended;
  }

  return { observe, get current(): Readonly<Current> | null { return current; } };
}

export interface WatcherDeps {
  account: string; client: SpotifyClient; ingest: Ingest; bus: Bus;
  intervalMs: number; skipThresholdMs: number; now?: () => number;
}

/**
 * Watches GET /me/player?additional_types=episode every `intervalMs`, sooner when the current track is
 * about to end (as Home Assistant's spotify integration does), keeps now-playing and records the
 * streams the state machine ends through ingest.
 */
export function createPlayerWatcher({ account, client, ingest, bus, intervalMs, skipThresholdMs, now = Date.now }: WatcherDeps) {
  const machine = createPlayerStateMachine(account, skipThresholdMs);
  let nowPlaying: NowPlaying = idle(now(), 'idle');

  function idle(at: number, reason: string): NowPlaying {
    return { account, active: false, is_playing: false, idle_reason: reason, content: null, track_uri: null, track_name: null, artists: [],
      album_name: null, album_art_url: null, duration_ms: null, progress_ms: null, device_name: null, device_type: null, context_uri: null,
      shuffle: null, repeat: null, started_at: null, observed_at: at };
  }

  function toNowPlaying(o: Observation): NowPlaying {
    if (o.kind !== 'item' || !o.track) {
      return { ...idle(o.at, o.kind === 'none' ? 'idle' : o.kind === 'ad' ? 'ad' : 'private_session'),
        device_name: o.device_name, device_type: o.device_type };
    }
    return { account, active: true, is_playing: o.is_playing, idle_reason: null, content: o.track.content, track_uri: o.track.uri,
      track_name: o.track.name, artists: o.track.artists.map((a) => a.name), album_name: o.track.album?.name ?? null,
      album_art_url: o.track.album?.image_url ?? null, duration_ms: o.track.duration_ms, progress_ms: o.progress_ms,
      device_name: o.device_name, device_type: o.device_type, context_uri: o.context_uri, shuffle: o.shuffle, repeat: o.repeat,
      started_at: machine.current?.started_at ?? o.at - o.progress_ms, observed_at: o.at };
  }

  function changed(a: NowPlaying, b: NowPlaying): boolean {
    if (a.track_uri !== b.track_uri || a.is_playing !== b.is_playing || a.device_name !== b.device_name || a.idle_reason !== b.idle_reason) return true;
    if (a.progress_ms === null || b.progress_ms === null) return false;
    const expected = a.progress_ms + (a.is_playing ? b.observed_at - a.observed_at : 0);
    return Math.abs(expected - b.progress_ms) > 3_000;
  }

  /**
   * Observations must reach the state machine in the order Spotify answered them: a sync asked for
   * while the timer's poll is in flight waits for it, or a stale answer read after a newer one would
   * end the newer track as if the listener had moved on (a skip that never happened).
   */
  let inFlight: Promise<unknown> = Promise.resolve();

  /** One observation, after any in flight; resolves to the delay (ms) until the next one should be made. */
  function pollOnce(): Promise<number> {
    const next = inFlight.then(observeOnce, observeOnce);
    inFlight = next.catch(() => undefined);
    return next;
  }

  async function observeOnce(): Promise<number> {
    const res = await client.get<unknown>(account, '/me/player', { additional_types: 'episode' });
    const at = now();
    let body: PlayerState | null = null;
    if (res.data !== null) {
      const parsed = playerSchema.safeParse(res.data);
      if (!parsed.success) throw new SpotifyError('SPOTIFY_BAD_RESPONSE', 'GET /me/player', `unexpected shape: ${parsed.error.issues[0]?.message}`);
      body = parsed.data;
    }
    const o = toObservation(body, at);
    const ended = machine.observe(o);
    if (ended.length > 0) await ingest.record(ended);
    const next = toNowPlaying(o);
    if (changed(nowPlaying, next)) bus.emit('nowplaying.changed', next);
    nowPlaying = next;
    if (o.kind === 'item' && o.is_playing && o.track?.duration_ms) {
      const remaining = o.track.duration_ms - o.progress_ms;
      return Math.max(1_000, Math.min(intervalMs, remaining + END_POLL_SLACK_MS));
    }
    return intervalMs;
  }

  return { pollOnce, nowPlaying: () => nowPlaying };
}

export type PlayerWatcher = ReturnType<typeof createPlayerWatcher>;
