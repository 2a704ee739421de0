import { dowOfDay } from '../time.js';
import type { StatsContext } from './context.js';
import type { ListeningStats } from './listening.js';

export function createCounterStats({ store, sql, accountFilter }: StatsContext, { summary, top }: Pick<ListeningStats, 'summary' | 'top'>) {
  /**
   * The live counters of one account at `now` (Home Assistant entities): today's plays, skips and
   * listening time (local day in the configured zone), skip rate over the last 7 × 24 h (skips /
   * (plays + skips), %), top artist and track of the ISO week (Monday start), the listening streak
   * (consecutive local days with a play, ending today or yesterday), the last play and all stored plays.
   */
  function counters(account: string, now: number) {
    const today = store.tz.dayOf(now);
    if (store.catalog.findAccountId(account) === undefined) {
      return { plays_today: 0, skips_today: 0, listening_ms_today: 0, skip_rate_7d: null as number | null,
        top_artist_week: null as { name: string; plays: number } | null,
        top_track_week: null as { name: string; artist: string | null; plays: number } | null,
        streak_days: 0, last_play_at: null as number | null, stored_plays: 0, day_ends_at: store.tz.startOfDay(today + 1) };
    }
    const acc = accountFilter({ from: 0, to: now, account });
    const todayStart = store.tz.startOfDay(today);
    const t = summary({ from: todayStart, to: now, account });
    const week = summary({ from: now - 7 * 86_400_000, to: now, account });
    const weekStart = store.tz.startOfDay(today - dowOfDay(today));
    const topArtist = top('artists', { from: weekStart, to: now, account }, 1, 'plays')[0] ?? null;
    const topTrack = top('tracks', { from: weekStart, to: now, account }, 1, 'plays')[0] ?? null;
    const days = sql.values(`SELECT local_day FROM daily_stats WHERE plays > 0 AND local_day <= ?${acc.clause} GROUP BY local_day
      ORDER BY local_day DESC LIMIT 3700`, [today, ...acc.params]).map((r) => r[0] as number);
    let streak = 0;
    let expect = days[0] === today ? today : today - 1;
    for (const day of days) { if (day !== expect) break; streak++; expect--; }
    const last = sql.get<{ t: number | null }>(`SELECT max(ended_at) AS t FROM streams WHERE kind = 1${acc.clause}`, acc.params)?.t ?? null;
    const stored = sql.get<{ n: number | null }>(`SELECT sum(plays) AS n FROM daily_stats WHERE 1 = 1${acc.clause}`, acc.params)?.n ?? 0;
    const decided = week.plays + week.skips;
    return {
      plays_today: t.plays, skips_today: t.skips, listening_ms_today: t.listening_ms,
      skip_rate_7d: decided === 0 ? null : Math.round((week.skips / decided) * 1000) / 10,
      top_artist_week: topArtist ? { name: topArtist.name, plays: topArtist.plays } : null,
      top_track_week: topTrack ? { name: topTrack.name, artist: topTrack.artist_name, plays: topTrack.plays } : null,
      streak_days: streak, last_play_at: last, stored_plays: stored,
      /** When the local day ends (counters roll over then). */
      day_ends_at: store.tz.startOfDay(today + 1),
    };
  }

  let totalsCache: { version: number; value: ReturnType<typeof computeTotals> } | null = null;
  /** Stored totals per account (health, status, data page); cached until the next write. */
  function totals(): ReturnType<typeof computeTotals> {
    if (totalsCache?.version !== store.writeVersion) totalsCache = { version: store.writeVersion, value: computeTotals() };
    return totalsCache.value;
  }
  function computeTotals(): { account: string; streams: number; plays: number; skips: number; last_ended_at: number | null }[] {
    return sql.all<{ account_id: number; streams: number; plays: number; skips: number; last: number | null }>(
      `SELECT account_id, count(*) AS streams, sum(kind = 1) AS plays, sum(kind = 2) AS skips, max(ended_at) AS last FROM streams GROUP BY account_id`)
      .map((r) => ({ account: store.catalog.accountName(r.account_id), streams: r.streams, plays: r.plays ?? 0, skips: r.skips ?? 0, last_ended_at: r.last }));
  }

  return { counters, totals };
}
