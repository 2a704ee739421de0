import type { Queue } from './queue.js';
import type { createDue } from './save.js';
import type { Job, LaneStatus } from './job.js';
import type { ServiceCounters } from './http.js';
import { LOOKUP_BATCH } from './listenbrainz.js';

/** Seconds one ListenBrainz lookup request takes, roughly (its server time plus our pacing). */
const LOOKUP_REQUEST_S = 2;

/** GET /api/v1/enrichment. */
export interface EnrichmentStatus {
  enabled: boolean;
  /** 'disabled' | 'idle' | 'working' | 'waiting' (after a failure or a rate limit) | 'offline'. */
  state: 'disabled' | 'idle' | 'working' | 'waiting' | 'offline';
  /** 'none' | 'ok' | 'refused' (ListenBrainz said 401/403). */
  token: 'none' | 'ok' | 'refused';
  tracks: { pending: number; resolved: number; not_found: number; failed: number; total: number };
  /** Work waiting: tracks to resolve plus bulk metadata, release groups, artist areas and popularity due. */
  queue_length: number;
  waiting: { isrc_lookups: number; name_lookups: number; recordings: number; release_groups: number; artist_areas: number; popularity: number };
  not_found_reasons: { reason: string; tracks: number }[];
  last_error: { service: string; message: string; at: number } | null;
  services: Record<'listenbrainz' | 'musicbrainz', ServiceCounters & LaneStatus>;
  /** Rough time to finish the lookups as configured now, and with a ListenBrainz token (s). */
  estimate_s: { now: number; with_token: number };
  /** A sentence for the panel (progress, or what to do). */
  message: string;
}

function duration(s: number): string {
  if (s < 90) return 'about a minute';
  if (s < 5400) return `about ${Math.round(s / 60)} minutes`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s - h * 3600) / 60);
  return `about ${h} h${m > 0 ? ` ${m} min` : ''}`;
}

export interface StatusDeps {
  enabled: boolean; hasToken: () => boolean; tokenRefused: () => boolean; queue: Queue; due: ReturnType<typeof createDue>; job: Job;
  lb: { counters(): ServiceCounters }; mb: { counters(): ServiceCounters }; musicbrainzIntervalMs: number;
}

/** The enrichment status, from the store (counts) and the job (lanes, errors, waits). */
export function createStatus({ enabled, hasToken, tokenRefused, queue, due, job, lb, mb, musicbrainzIntervalMs }: StatusDeps) {
  function full(): EnrichmentStatus {
    const tracks = queue.counts();
    const waiting = queue.waiting();
    const names = waiting.name + queue.unqueued();
    const meta = due.counts();
    const lanes = job.lanes();
    const perS = musicbrainzIntervalMs / 1000;
    // Without a token every name lookup is one MusicBrainz search; with one, 50 names per ListenBrainz request.
    const mbFixed = (waiting.isrc + meta.artist_areas * 2) * perS;
    const withToken = Math.round(mbFixed + Math.ceil(names / LOOKUP_BATCH) * LOOKUP_REQUEST_S);
    const withoutToken = Math.round(mbFixed + names * perS);
    const estimateNow = hasToken() ? withToken : withoutToken;
    const state: EnrichmentStatus['state'] = !enabled ? 'disabled'
      : Object.values(lanes).some((l) => l.state === 'offline') ? 'offline'
        : Object.values(lanes).some((l) => l.state === 'waiting') ? 'waiting'
          : Object.values(lanes).some((l) => l.state === 'working') ? 'working' : 'idle';
    const open = tracks.pending + tracks.failed;
    let message: string;
    if (!enabled) message = 'Looking up genres, countries and eras is off (option metadata_enrichment); the statistics show what was found before.';
    else if (state === 'offline' || state === 'waiting') message = Object.values(lanes).find((l) => l.problem)?.problem ?? 'Lookups wait and try again by themselves.';
    else if (open === 0) message = `Every track was looked up: ${tracks.resolved} found at MusicBrainz, ${tracks.not_found} not found.`;
    else if (hasToken()) message = `${open} tracks wait to be looked up at ListenBrainz (${duration(estimateNow)}).`;
    else {
      message = `${open} tracks wait to be looked up at MusicBrainz, one per second (${duration(withoutToken)}). `
        + `With a ListenBrainz token (option listenbrainz_token, free at listenbrainz.org) it would take ${duration(withToken)}, and popularity would be shown too.`;
    }
    const service = (counters: ServiceCounters, lane: LaneStatus | undefined) => ({ ...counters, ...(lane ?? { state: 'idle' as const, problem: null, retry_at: null }) });
    return {
      enabled, state, token: tokenRefused() ? 'refused' : hasToken() ? 'ok' : 'none',
      tracks: { ...tracks, total: tracks.pending + tracks.resolved + tracks.not_found + tracks.failed },
      queue_length: open + meta.recordings + meta.release_groups + meta.artist_areas + (hasToken() ? meta.popularity : 0),
      waiting: { isrc_lookups: waiting.isrc, name_lookups: names, recordings: meta.recordings, release_groups: meta.release_groups,
        artist_areas: meta.artist_areas, popularity: hasToken() ? meta.popularity : 0 },
      not_found_reasons: queue.reasons(),
      last_error: job.lastError(),
      services: { listenbrainz: service(lb.counters(), lanes.listenbrainz), musicbrainz: service(mb.counters(), lanes.musicbrainz) },
      estimate_s: { now: estimateNow, with_token: withToken },
      message,
    };
  }

  /** The part of the status /api/v1/health shows. */
  function summary() {
    const s = full();
    return { enabled: s.enabled, state: s.state, token: s.token, tracks: s.tracks, queue_length: s.queue_length, last_error: s.last_error, message: s.message };
  }

  return { full, summary };
}
