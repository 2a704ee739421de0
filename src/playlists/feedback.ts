import type { Store } from '../store/index.js';
import { MS_PER_DAY } from '../time.js';
import type { RunFeedback } from './types.js';

/** Feedback looks at the streams this long after a run (issue: "played >= 30 s within 7 days"). */
export const FEEDBACK_WINDOW_MS = 7 * MS_PER_DAY;
/** A play of at least this share of the track's duration (or one that ended with trackdone) is a full play. */
export const FULL_PLAY_SHARE = 0.9;

/** A published run as feedback needs it. */
export interface PublishedRun {
  id: number; ended_at: number;
  tracks: { uri: string | null; name_key: string; artist_name: string | null; duration_ms: number | null }[];
}

/** What happened to one track of one run in its 7 days. */
interface TrackOutcome { played: boolean; full: boolean; skipped: boolean; plays: number; skips: number }

/**
 * The streams of the account in the feedback windows of `runs`, matched to each run's tracks by URI or
 * by normalized artist + title. One range query over the ended_at index for all runs.
 */
function outcomes(store: Store, accountId: number, runs: PublishedRun[]): Map<number, TrackOutcome[]> {
  const out = new Map<number, TrackOutcome[]>();
  if (runs.length === 0) return out;
  const lo = Math.min(...runs.map((r) => r.ended_at));
  const hi = Math.max(...runs.map((r) => r.ended_at)) + FEEDBACK_WINDOW_MS;
  const trackdone = store.sql.get<{ id: number }>("SELECT id FROM labels WHERE name = 'trackdone'")?.id ?? -1;
  type S = { ended_at: number; kind: number; ms: number; duration: number | null; done: boolean };
  const byUri = new Map<string, S[]>(); const byKey = new Map<string, S[]>();
  for (const [endedAt, kind, ms, reasonEnd, uri, key, duration] of store.sql.values(`SELECT s.ended_at, s.kind, s.ms_played, s.reason_end, t.uri, t.name_key,
    t.duration_ms FROM streams s JOIN tracks t ON t.id = s.track_id WHERE s.ended_at > ? AND s.ended_at <= ? AND s.account_id = ? AND s.kind IN (1, 2)`,
  [lo, hi, accountId]) as [number, number, number, number | null, string | null, string, number | null][]) {
    const s: S = { ended_at: endedAt, kind, ms, duration, done: reasonEnd === trackdone };
    if (uri) (byUri.get(uri) ?? byUri.set(uri, []).get(uri)!).push(s);
    (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(s);
  }
  for (const run of runs) {
    const end = run.ended_at + FEEDBACK_WINDOW_MS;
    out.set(run.id, run.tracks.map((t) => {
      const seen = new Set<S>([...(t.uri ? byUri.get(t.uri) ?? [] : []), ...(byKey.get(t.name_key) ?? [])]);
      const o: TrackOutcome = { played: false, full: false, skipped: false, plays: 0, skips: 0 };
      for (const s of seen) {
        if (s.ended_at <= run.ended_at || s.ended_at > end) continue;
        if (s.kind === 2) { o.skips++; o.skipped = true; continue; }
        o.plays++; o.played = true;
        const duration = t.duration_ms ?? s.duration;
        if (s.done || (duration !== null && s.ms >= FULL_PLAY_SHARE * duration)) o.full = true;
      }
      return o;
    }));
  }
  return out;
}

/**
 * Hit rate (share of the run's tracks played >= 30 s within 7 days) and skip rate (skips / (plays +
 * skips) of its tracks' streams in those 7 days) of each published run at `now`.
 */
export function runFeedback(store: Store, accountId: number, runs: PublishedRun[], now: number): Map<number, RunFeedback> {
  const result = new Map<number, RunFeedback>();
  for (const [id, list] of outcomes(store, accountId, runs)) {
    const run = runs.find((r) => r.id === id)!;
    const plays = list.reduce((a, o) => a + o.plays, 0);
    const skips = list.reduce((a, o) => a + o.skips, 0);
    result.set(id, {
      hit_rate: list.length === 0 ? null : Math.round((list.filter((o) => o.played).length / list.length) * 1000) / 1000,
      skip_rate: plays + skips === 0 ? null : Math.round((skips / (plays + skips)) * 1000) / 1000,
      final: now >= run.ended_at + FEEDBACK_WINDOW_MS,
    });
  }
  return result;
}

/** What earlier playlists teach the next ranking. */
export interface FeedbackIndex {
  /** Songs (name key) skipped within 7 days of a playlist that had them: penalised hard. */
  skippedFromPlaylist: Set<string>;
  /** Songs played fully within 7 days of a playlist that had them: boosted. */
  fullyPlayed: Set<string>;
  /** Per artist key: how that artist's earlier playlist tracks did. */
  artists: Map<string, { full: number; skipped: number }>;
}

/**
 * The feedback index from the account's published runs (the caller passes those of the last 180 days).
 * An artist's score is (full + 1) / (full + skipped + 2): 0.5 with no evidence (Laplace's rule of succession).
 */
export function buildFeedbackIndex(store: Store, accountId: number, runs: PublishedRun[], artistKey: (name: string | null) => string): FeedbackIndex {
  const index: FeedbackIndex = { skippedFromPlaylist: new Set(), fullyPlayed: new Set(), artists: new Map() };
  for (const [id, list] of outcomes(store, accountId, runs)) {
    const run = runs.find((r) => r.id === id)!;
    list.forEach((o, i) => {
      const t = run.tracks[i]!;
      if (o.skipped && !o.full) index.skippedFromPlaylist.add(t.name_key);
      if (o.full) index.fullyPlayed.add(t.name_key);
      const key = artistKey(t.artist_name);
      const a = index.artists.get(key) ?? { full: 0, skipped: 0 };
      if (o.full) a.full++;
      if (o.skipped) a.skipped++;
      index.artists.set(key, a);
    });
  }
  return index;
}

/** An artist's playlist feedback, 0..1 (0.5 without evidence). */
export function artistFeedback(index: FeedbackIndex, key: string): number {
  const a = index.artists.get(key);
  return a ? (a.full + 1) / (a.full + a.skipped + 2) : 0.5;
}
