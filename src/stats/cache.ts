import type { Range, StatsContext } from './context.js';

/** Results kept per store version; the whole cache empties at the next write. */
const MAX_ENTRIES = 64;

/**
 * A cache of range statistics, valid until the next write (store.writeVersion). Ranges are first
 * clamped to the stored data's span — [from, to] and [max(from, first), min(to, last)] select the same
 * streams — so the panel's "last 7 days up to now", whose `to` moves every millisecond, is one entry
 * until something new is stored. Many clients asking the same thing cost one query.
 */
export function createRangeCache({ sql, store }: StatsContext) {
  let version = -1;
  let span: { first: number; last: number } | null = null;
  const entries = new Map<string, unknown>();

  function refresh(): void {
    if (version === store.writeVersion) return;
    version = store.writeVersion;
    entries.clear();
    // Two statements: SQLite answers a lone min() or max() from the ended_at index.
    const first = sql.get<{ t: number | null }>('SELECT min(ended_at) AS t FROM streams')?.t ?? null;
    const last = sql.get<{ t: number | null }>('SELECT max(ended_at) AS t FROM streams')?.t ?? null;
    span = first === null || last === null ? null : { first, last };
  }

  /** The range with from/to clamped to the stored span (unchanged when it misses the span entirely). */
  function normalize<R extends Range>(range: R): R {
    if (!span || range.to < span.first || range.from > span.last) return range;
    return { ...range, from: Math.max(range.from, span.first), to: Math.min(range.to, span.last) };
  }

  /**
   * Wraps a statistic with a Range argument (at `rangeAt`): equal (normalized) arguments share one
   * result. Callers must treat results as read-only (they are shared).
   */
  function memo<A extends unknown[], R>(name: string, fn: (...args: A) => R, rangeAt = 0): (...args: A) => R {
    return (...args: A): R => {
      refresh();
      const keyArgs = args.map((a, i) => (i === rangeAt ? normalize(a as Range) : a));
      const key = `${name}|${JSON.stringify(keyArgs)}`;
      if (entries.has(key)) {
        const hit = entries.get(key) as R;
        entries.delete(key); entries.set(key, hit); // most recently used last
        return hit;
      }
      const result = fn(...args);
      entries.set(key, result);
      if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      return result;
    };
  }
  return { memo, normalize };
}
