import { SOURCE_BIT, sourcesOf } from '../store/index.js';
import type { StreamSource } from '../types.js';
import { dateOfDay } from '../time.js';
import type { StatsContext } from './context.js';

/** What an account's history covers, for the panel's defaults and hints. */
export interface HistorySpan {
  account: string;
  /** First and last stream (any kind), ms; null when the account has none. */
  first_at: number | null;
  last_at: number | null;
  /** The local date (YYYY-MM-DD, configured zone) of the last stream. */
  last_day: string | null;
  streams: number;
  plays: number;
  /** Years (configured zone) with at least one play, oldest first (the years a year in review exists for). */
  years: number[];
  /** Every source that recorded a stream of the account. */
  sources: StreamSource[];
  /**
   * What the history cannot tell because of where it came from: an account-data export alone has no
   * skips and no albums ("skips", "albums").
   */
  lacks: ('skips' | 'albums')[];
  /** The configured IANA time zone every local date and bucket is in. */
  time_zone: string;
}

export function createSpanStats({ store, sql }: StatsContext) {
  let cache: { version: number; account: string; value: HistorySpan } | null = null;

  /** The span of one account's history (empty for a configured account without streams); cached until the next write. */
  function span(account: string): HistorySpan {
    if (cache && cache.version === store.writeVersion && cache.account === account) return cache.value;
    const value = compute(account);
    cache = { version: store.writeVersion, account, value };
    return value;
  }

  function compute(account: string): HistorySpan {
    const id = store.catalog.findAccountId(account);
    const empty: HistorySpan = { account, first_at: null, last_at: null, last_day: null, streams: 0, plays: 0, years: [], sources: [], lacks: [],
      time_zone: store.tz.timeZone };
    if (id === undefined) return empty;
    const masks = sql.values('SELECT sources, count(*), sum(kind = 1), min(ended_at), max(ended_at) FROM streams WHERE account_id = ? GROUP BY sources', [id]) as number[][];
    if (masks.length === 0) return empty;
    let union = 0; let streams = 0; let plays = 0; let first = Infinity; let last = -Infinity;
    for (const [mask, n, p, a, b] of masks) { union |= mask!; streams += n!; plays += p!; first = Math.min(first, a!); last = Math.max(last, b!); }
    const years = new Set<number>();
    for (const [day] of sql.values('SELECT local_day FROM daily_stats WHERE account_id = ? AND plays > 0', [id]) as number[][]) {
      years.add(Number(dateOfDay(day!).slice(0, 4)));
    }
    const accountOnly = union === SOURCE_BIT['import-account'];
    return { account, first_at: first, last_at: last, last_day: dateOfDay(store.tz.dayOf(last)), streams, plays,
      years: [...years].sort((a, b) => a - b), sources: sourcesOf(union), lacks: accountOnly ? ['skips', 'albums'] : [], time_zone: store.tz.timeZone };
  }

  return { span };
}
