import type { Candidate } from './candidates.js';
import { artistFeedback, type FeedbackIndex } from './feedback.js';
import { hourFit, type SeedProfile } from './seed.js';

/**
 * The ranking weights. score = Σ positive weight × part (each part 0..1) − Σ penalty weight × part:
 *
 * | part | weight | what it is |
 * |---|---|---|
 * | artist | +0.35 | the artist's seed affinity (seed.ts: 0.7 recent plays + 0.3 all-time, each relative to the top artist) |
 * | genre | +0.15 | mean seed weight of the candidate's genres (0 without genres: the metadata capability provides them) |
 * | source | +0.10 | the source's own confidence (history: how loved; search: result rank; Last.fm: its match) |
 * | time_of_day | +0.10 | cosine of the artist's hour profile with the account's hours on this weekday (0.5 unknown) |
 * | energy | +0.15 | 1 − |energy − the recent mean| / max(0.15, 2 sd) when both are known (0.5 otherwise) |
 * | feedback | +0.15 | 1 if the song was played fully from an earlier vibe playlist, else the artist's (full + 1) / (full + skipped + 2) |
 * | track_skip | −0.30 | the song's skip rate skips / (plays + skips + 2) from Vibescope's own skip data |
 * | artist_skip | −0.15 | the artist's skip rate, same formula |
 * | playlist_skip | −1.00 | 1 when the song was skipped within 7 days of an earlier vibe playlist that had it |
 *
 * Hard exclusions (never chosen) come before ranking: recommended in the last 60 days, skipped 3 or
 * more times, played in the recent window.
 */
export const WEIGHTS = {
  artist: 0.35, genre: 0.15, source: 0.10, time_of_day: 0.10, energy: 0.15, feedback: 0.15,
  track_skip: 0.30, artist_skip: 0.15, playlist_skip: 1.0,
} as const;

/** Songs skipped this often are never chosen. */
export const MAX_SKIPS = 3;

/** The parts of a score (each 0..1). */
export interface ScoreParts { artist: number; genre: number; source: number; time_of_day: number; energy: number; feedback: number;
  track_skip: number; artist_skip: number; playlist_skip: number }

/** A ranked candidate. */
export interface Ranked extends Candidate {
  score: number;
  parts: ScoreParts;
  /** The account never streamed this song. */
  is_new: boolean;
  energy: number | null;
  /** Why it may not be chosen at all (a hard exclusion), or null. */
  exclusion: string | null;
}

export interface RankContext {
  seed: SeedProfile;
  feedback: FeedbackIndex;
  /** Song (name key) and URI → when an earlier vibe playlist (of the last 60 days) had it. */
  recommended: Map<string, number>;
  /** Seed genre weights (max 1) and the candidate's genres; empty without the metadata capability. */
  seedGenres: Map<string, number>;
  genresOf: (c: Candidate) => readonly string[];
  /** Local date for the sentences. */
  date: (ms: number) => string;
  weekday: string;
}

function genreFit(genres: readonly string[], seed: Map<string, number>): number {
  if (genres.length === 0 || seed.size === 0) return 0;
  return genres.reduce((a, g) => a + (seed.get(g) ?? 0), 0) / genres.length;
}

/** The hard exclusion of a candidate, or null. */
function exclusionOf(c: Candidate, ctx: RankContext): string | null {
  const rec = ctx.recommended.get(c.name_key) ?? (c.uri ? ctx.recommended.get(c.uri) : undefined);
  if (rec !== undefined) return `already in the vibe playlist of ${ctx.date(rec)} (nothing comes back within 60 days)`;
  const agg = ctx.seed.byKey.get(c.name_key);
  if (agg && agg.skips >= MAX_SKIPS) return `you skipped it ${agg.skips} times`;
  if (ctx.seed.recentKeys.has(c.name_key)) return `you played it in the last ${ctx.seed.window.days} days`;
  return null;
}

/** Scores every candidate (see {@link WEIGHTS}) and sorts best first; ties by key for a stable order. */
export function rank(candidates: Candidate[], ctx: RankContext): Ranked[] {
  const { seed } = ctx;
  const ranked = candidates.map((c): Ranked => {
    const artist = seed.artists.get(c.artist_key);
    const agg = seed.byKey.get(c.name_key);
    const energy = c.track_id !== null ? seed.features.get(c.track_id)?.energy ?? null : null;
    const parts: ScoreParts = {
      artist: artist?.affinity ?? 0,
      genre: genreFit(ctx.genresOf(c), ctx.seedGenres),
      source: c.prior,
      time_of_day: hourFit(artist?.hours ?? null, seed.hourProfile),
      energy: energy !== null && seed.energy ? 1 - Math.min(1, Math.abs(energy - seed.energy.mean) / Math.max(0.15, 2 * seed.energy.sd)) : 0.5,
      feedback: ctx.feedback.fullyPlayed.has(c.name_key) ? 1 : artistFeedback(ctx.feedback, c.artist_key),
      track_skip: agg ? agg.skips / (agg.plays + agg.skips + 2) : 0,
      artist_skip: artist?.skip_rate ?? 0,
      playlist_skip: ctx.feedback.skippedFromPlaylist.has(c.name_key) ? 1 : 0,
    };
    const score = WEIGHTS.artist * parts.artist + WEIGHTS.genre * parts.genre + WEIGHTS.source * parts.source
      + WEIGHTS.time_of_day * parts.time_of_day + WEIGHTS.energy * parts.energy + WEIGHTS.feedback * parts.feedback
      - WEIGHTS.track_skip * parts.track_skip - WEIGHTS.artist_skip * parts.artist_skip - WEIGHTS.playlist_skip * parts.playlist_skip;
    const isNew = !agg && !(c.uri && seed.streamedUris.has(c.uri));
    return { ...c, score: Math.round(score * 10_000) / 10_000, parts, is_new: isNew, energy, exclusion: exclusionOf(c, ctx) };
  });
  return ranked.sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The sentence on why a chosen track is there: the source's reason and up to two strong parts of its score. */
export function whyChosen(r: Ranked, ctx: RankContext): string {
  const reasons: string[] = [];
  if (r.parts.feedback === 1) reasons.push('you played it to the end when an earlier vibe playlist had it');
  if (r.parts.artist >= 0.5 && r.artist_name) reasons.push(`${r.artist_name} is among your most played artists lately`);
  const genres = ctx.genresOf(r).filter((g) => (ctx.seedGenres.get(g) ?? 0) >= 0.3).slice(0, 2);
  if (r.parts.genre >= 0.4 && genres.length > 0) reasons.push(`it matches your genres (${genres.join(', ')})`);
  if (r.energy !== null && r.parts.energy >= 0.8) reasons.push(`its energy (${Math.round(r.energy * 100)} %) fits what you played lately`);
  if (r.parts.time_of_day >= 0.85) reasons.push(`you play this artist at the hours you listen on ${ctx.weekday}s`);
  if (r.is_new && reasons.length < 2) reasons.push('new to you');
  return [r.why, ...reasons.slice(0, 2)].join('; ');
}
