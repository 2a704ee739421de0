import { EventEmitter, once } from 'node:events';
import type { Logger } from './log.js';
import type { StreamRow, NowPlaying, SyncStatus, ImportProgress, StoryReady } from './types.js';
import type { HealthState } from './health.js';

/**
 * Every event on the bus, with its listener arguments. Events are facts that already happened and
 * are durable (journal fsync'd, row stored) - `noun.past-tense`.
 */
export interface BusEvents {
  /** A new play (music stream with ms_played >= 30 000) was stored. */
  'play.recorded': [stream: StreamRow];
  /** A new skip was stored. */
  'skip.detected': [stream: StreamRow];
  /** A stream that is neither play nor skip (short, episode, audiobook) was stored. */
  'stream.recorded': [stream: StreamRow];
  /** An already stored stream absorbed a record from another source (richer fields). */
  'stream.merged': [stream: StreamRow];
  /** The player watcher's view of an account's player changed. */
  'nowplaying.changed': [nowPlaying: NowPlaying];
  /** An account's sync state changed (poll succeeded, failed, needs reconnect). */
  'sync.status': [status: SyncStatus];
  /** A library file was analysed (its descriptors are stored). */
  'features.extracted': [event: { path: string; track_id: number | null; energy: number | null; tempo_bpm: number | null; key: string | null; mode: string | null }];
  /** An import job made progress or finished. */
  'import.progress': [progress: ImportProgress];
  /** Metadata enrichment stored new genres, countries, eras or popularity for some tracks (src/metadata/). */
  'metadata.updated': [event: { tracks: number; recordings: number }];
  /** A vibe playlist or mixtape was made and written (Spotify and/or M3U) and its run is journaled (src/playlists). */
  'playlist.generated': [event: { account: string; kind: 'vibe' | 'mixtape'; run_id: number; name: string | null; url: string | null; tracks: number; new: number;
    generated_at: number; m3u_path: string | null }];
  /** A problem was reported or cleared (src/health.ts). */
  'health.changed': [state: HealthState];
  /** A story was stored (journaled) for an account's period (src/story/). */
  'story.created': [story: StoryReady];
  /** The scrobble sender's state or outbox changed (src/scrobble: sent, backing off, needs a token…). */
  'scrobble.status': [status: import('./scrobble/index.js').ScrobbleStatus];
}

/** The typed event bus: `emit`, `on` (returns the unsubscribe), `next` (a promise of the next event). */
export type Bus = ReturnType<typeof createBus>;

/**
 * Creates the event bus. A failing listener is logged with its `owner` and never reaches the producer.
 */
export function createBus(log: Logger) {
  const ee = new EventEmitter();
  ee.setMaxListeners(50);
  const emit = <K extends keyof BusEvents>(event: K, ...args: BusEvents[K]): void => void ee.emit(event, ...args);
  const next = <K extends keyof BusEvents>(event: K) => once(ee, event) as Promise<BusEvents[K]>;
  function on<K extends keyof BusEvents>(event: K, owner: string, fn: (...args: BusEvents[K]) => unknown): () => void {
    const guarded = async (...args: BusEvents[K]) => {
      try {
        await fn(...args);
      } catch (err) {
        log.error({ err, event, owner }, 'bus listener failed');
      }
    };
    ee.on(event, guarded);
    return () => void ee.off(event, guarded);
  }
  return { emit, next, on };
}
