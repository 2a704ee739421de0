import type { Range, StatsContext } from './context.js';
import type { ListeningStats, TopItem } from './listening.js';
import { createFactParts, minutes, pct, round } from './facts-parts.js';
import { resolvePeriod, type Period, type PeriodKind } from './facts-period.js';
import { EARLY_SKIP_MS } from '../store/index.js';

/** Version of the facts payload's shape; bumped when a key changes meaning or disappears. */
export const FACTS_SCHEMA = 'vibescope.facts/1';
/** Entries per top list in the payload. */
export const FACTS_TOP = 5;
/** How deep the previous period's lists are searched for an item's previous rank. */
const PREVIOUS_DEPTH = 50;

/**
 * Top genres of a range, most plays first (supplied by the metadata capability: PRODUCT.md "genre",
 * a play counting once per genre of its recording, else artist, else release group). Absent: the
 * payload's `top_genres` is empty.
 */
export type GenreSource = (range: Range & { account: string }, limit: number) => { name: string; plays: number }[];
/** An obscurity score (0 = mainstream … 100 = obscure) of a range, or null when unknown (metadata capability). */
export type ObscuritySource = (range: Range & { account: string }) => number | null;

/** One entry of a top list with its move against the previous period. */
export interface RankedFact {
  rank: number; name: string; artist?: string | null; plays: number;
  /** Absent for genres (a play counts for each of its genres). */
  listening_minutes?: number;
  /** Share of the period's plays, % (one decimal). */
  share_pct: number | null;
  /** Rank in the previous period (searched to depth 50), null when it was not there. */
  previous_rank: number | null;
  /** previous_rank − rank: positive climbed, negative fell, null new. */
  rank_change: number | null;
}

/**
 * The facts of one account's period: aggregates only (no stream rows, no account names, no ids),
 * stable snake_case keys (FACTS_SCHEMA), minutes as whole numbers, percentages with one decimal,
 * energy/valence/danceability as whole percent, tempo in BPM. What the story providers are sent and
 * what grounding checks the story against.
 */
export interface StoryFacts {
  schema: typeof FACTS_SCHEMA;
  period: { kind: PeriodKind; start: string; end: string; days: number; time_zone: string; previous_start: string; previous_end: string };
  totals: {
    plays: number; listening_minutes: number; skips: number; distinct_tracks: number; distinct_artists: number; active_days: number;
    previous: { plays: number; listening_minutes: number; skips: number; distinct_artists: number };
    /** Change against the previous period, % (one decimal); null when the previous value was 0. */
    change: { plays_pct: number | null; listening_minutes_pct: number | null; distinct_artists_pct: number | null };
  };
  top_artists: RankedFact[];
  top_tracks: RankedFact[];
  top_albums: RankedFact[];
  top_genres: RankedFact[];
  /** Artists with a play in the period and no stream of any kind (play, skip, shorter) of this account before it. */
  new_artists: { count: number; share_of_artists_pct: number | null; top: { name: string; plays: number }[] };
  sessions: ReturnType<ReturnType<typeof createFactParts>['sessions']> & ReturnType<ReturnType<typeof createFactParts>['dayParts']>;
  skips: {
    count: number; skip_rate_pct: number | null; previous_skip_rate_pct: number | null;
    /** skip_rate_pct − previous_skip_rate_pct, percentage points (one decimal). */
    skip_rate_change_pts: number | null;
    /** Skips under 10 s (EARLY_SKIP_MS) and their share of all skips, %. */
    early_skips: number; early_skip_share_pct: number | null;
    most_skipped: { name: string; artist: string | null; skips: number; plays: number }[];
  };
  streak: ReturnType<ReturnType<typeof createFactParts>['streak']>;
  mood: ReturnType<ReturnType<typeof createFactParts>['mood']>;
  obscurity: { score: number; previous_score: number | null } | null;
  outliers: ReturnType<ReturnType<typeof createFactParts>['outliers']>;
}

export interface FactsRequest {
  account: string;
  period: PeriodKind;
  /** Any local date inside the period (YYYY-MM-DD); default the last complete period before `now`. */
  start?: string | undefined;
  now: number;
}

/** Optional inputs from other capabilities (main.ts wires the metadata capability's functions in). */
export interface FactSources { genres?: GenreSource | undefined; obscurity?: ObscuritySource | undefined }

export function createFactStats(ctx: StatsContext, { summary, top }: Pick<ListeningStats, 'summary' | 'top'>) {
  const { store, sql } = ctx;
  const parts = createFactParts(ctx);

  function ranked(current: { id: number | string; name: string; artist?: string | null; plays: number; ms?: number }[],
    previous: { id: number | string }[], plays: number): RankedFact[] {
    const before = new Map(previous.map((p, i) => [p.id, i + 1]));
    return current.map((c, i) => {
      const previousRank = before.get(c.id) ?? null;
      return { rank: i + 1, name: c.name, ...(c.artist === undefined ? {} : { artist: c.artist }), plays: c.plays,
        ...(c.ms === undefined ? {} : { listening_minutes: minutes(c.ms) }), share_pct: pct(c.plays, plays), previous_rank: previousRank,
        rank_change: previousRank === null ? null : previousRank - (i + 1) };
    });
  }

  function topList(what: 'artists' | 'tracks' | 'albums', range: Range, previous: Range, plays: number): RankedFact[] {
    const withArtist = what !== 'artists';
    const map = (t: TopItem) => ({ id: t.id, name: t.name, ...(withArtist ? { artist: t.artist_name } : {}), plays: t.plays, ms: t.ms_played });
    return ranked(top(what, range, FACTS_TOP, 'plays').map(map), top(what, previous, PREVIOUS_DEPTH, 'plays').map(map), plays);
  }

  function genreList(source: GenreSource | undefined, range: Range & { account: string }, previous: Range & { account: string }, plays: number) {
    if (!source) return [];
    const cur = source(range, FACTS_TOP).map((g) => ({ id: g.name, name: g.name, plays: g.plays }));
    return ranked(cur, source(previous, PREVIOUS_DEPTH).map((g) => ({ id: g.name })), plays);
  }

  /**
   * Artists with a play in the period whose first stream of any kind (play, skip or shorter) falls in
   * it: the track_stats rollup's first_at answers "streamed before?" without scanning the history.
   */
  function newArtists(accountId: number, period: Period, distinctArtists: number) {
    const rows = sql.all<{ name: string; plays: number }>(`SELECT ar.name AS name, p.plays AS plays FROM (SELECT t.artist_id AS artist_id, count(*) AS plays
      FROM streams s JOIN tracks t ON t.id = s.track_id WHERE s.ended_at BETWEEN ? AND ? AND s.kind = 1 AND s.account_id = ? AND t.artist_id IS NOT NULL
      GROUP BY t.artist_id) p JOIN artists ar ON ar.id = p.artist_id WHERE NOT EXISTS (SELECT 1 FROM tracks t2 JOIN track_stats ts
      ON ts.account_id = ? AND ts.track_id = t2.id WHERE t2.artist_id = p.artist_id AND ts.first_at < ?)
      ORDER BY p.plays DESC, ar.name`, [period.from, period.to, accountId, accountId, period.from]);
    return { count: rows.length, share_of_artists_pct: pct(rows.length, distinctArtists), top: rows.slice(0, FACTS_TOP) };
  }

  function skipFacts(accountId: number, period: Period, plays: number, skips: number, previous: { plays: number; skips: number }) {
    const early = sql.get<{ n: number | null }>(`SELECT sum(kind = 2 AND ms_played < ${EARLY_SKIP_MS}) AS n FROM streams WHERE ended_at BETWEEN ? AND ?
      AND content = 0 AND account_id = ?`, [period.from, period.to, accountId])!.n ?? 0;
    const most = sql.all<{ name: string; artist: string | null; skips: number; plays: number }>(`SELECT t.name AS name, ar.name AS artist, a.skips AS skips,
      a.plays AS plays FROM (SELECT track_id, sum(kind = 2) AS skips, sum(kind = 1) AS plays FROM streams WHERE ended_at BETWEEN ? AND ? AND content = 0
      AND account_id = ? GROUP BY track_id HAVING skips > 0 ORDER BY skips DESC, plays ASC, track_id LIMIT 3) a JOIN tracks t ON t.id = a.track_id
      LEFT JOIN artists ar ON ar.id = t.artist_id ORDER BY a.skips DESC, a.plays ASC`, [period.from, period.to, accountId]);
    // Skip rate: skips / (plays + skips), as the live counters define it (src/stats/counters.ts).
    const rate = pct(skips, plays + skips);
    const previousRate = pct(previous.skips, previous.plays + previous.skips);
    return { count: skips, skip_rate_pct: rate, previous_skip_rate_pct: previousRate,
      skip_rate_change_pts: rate === null || previousRate === null ? null : round(rate - previousRate, 1),
      early_skips: early, early_skip_share_pct: pct(early, skips), most_skipped: most };
  }

  /**
   * The facts payload of one account's week, month or year (see {@link StoryFacts}); an unknown
   * account or an empty period gives zeros and empty lists. Sources add genres and obscurity when the
   * metadata capability provides them.
   * @throws BadParamError when `start` is not a real date.
   */
  function facts(request: FactsRequest, sources: FactSources = {}): StoryFacts {
    const period = resolvePeriod(request.period, request.start, request.now, store.tz.timeZone);
    const range = { from: period.from, to: period.to, account: request.account };
    const previous = { from: period.previous.from, to: period.previous.to, account: request.account };
    const accountId = store.catalog.findAccountId(request.account) ?? -1;
    const scope = parts.scope(accountId, period);
    const now = summary(range);
    const before = summary(previous);
    const streak = parts.streak(scope);
    const obscurity = sources.obscurity?.(range) ?? null;
    return {
      schema: FACTS_SCHEMA,
      period: { kind: period.kind, start: period.start, end: period.end, days: period.days, time_zone: store.tz.timeZone,
        previous_start: period.previous.start, previous_end: period.previous.end },
      totals: {
        plays: now.plays, listening_minutes: minutes(now.listening_ms), skips: now.skips, distinct_tracks: now.distinct_tracks,
        distinct_artists: now.distinct_artists, active_days: streak.active_days,
        previous: { plays: before.plays, listening_minutes: minutes(before.listening_ms), skips: before.skips, distinct_artists: before.distinct_artists },
        change: { plays_pct: change(now.plays, before.plays), listening_minutes_pct: change(minutes(now.listening_ms), minutes(before.listening_ms)),
          distinct_artists_pct: change(now.distinct_artists, before.distinct_artists) },
      },
      top_artists: topList('artists', range, previous, now.plays),
      top_tracks: topList('tracks', range, previous, now.plays),
      top_albums: topList('albums', range, previous, now.plays),
      top_genres: genreList(sources.genres, range, previous, now.plays),
      new_artists: newArtists(accountId, period, now.distinct_artists),
      sessions: { ...parts.sessions(scope), ...parts.dayParts(scope, now.plays) },
      skips: skipFacts(accountId, period, now.plays, now.skips, before),
      streak,
      mood: parts.mood(scope),
      obscurity: obscurity === null ? null : { score: round(obscurity, 1), previous_score: nullableRound(sources.obscurity?.(previous) ?? null) },
      outliers: parts.outliers(scope),
    };
  }

  return { facts };
}

function change(current: number, previous: number): number | null {
  return previous === 0 ? null : round(((current - previous) / previous) * 100, 1);
}

function nullableRound(value: number | null): number | null {
  return value === null ? null : round(value, 1);
}

export { resolvePeriod, PERIOD_KINDS, type Period, type PeriodKind } from './facts-period.js';
