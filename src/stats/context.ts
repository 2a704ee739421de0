import type { Store } from '../store/index.js';

/** A time range [from, to] in ms since the epoch (inclusive), optionally one account. */
export interface Range { from: number; to: number; account?: string | undefined }

/**
 * What every stats module shares: the store, an account filter and the all-time test. Stats are
 * functions of (store, range, time zone) → plain data (ARCHITECTURE.md "stats"): ranges that cover
 * all stored data are served from rollup tables; other ranges aggregate over the streams' ended_at
 * index first and join names last.
 */
export function createStatsContext(store: Store) {
  const { sql } = store;

  /** The SQL filter for the range's account (none: every account). */
  function accountFilter(range: Range): { clause: string; params: number[] } {
    if (!range.account) return { clause: '', params: [] };
    // A configured account with no streams yet matches nothing (empty results, never 404).
    const id = store.catalog.findAccountId(range.account) ?? -1;
    return { clause: ' AND account_id = ?', params: [id] };
  }

  /** True when [from, to] holds every stored stream (then rollups answer). */
  function coversAll(range: Range): boolean {
    // Two statements: SQLite answers a lone min() or max() from the index, both together by a full scan.
    const first = sql.get<{ t: number | null }>('SELECT min(ended_at) AS t FROM streams')?.t ?? null;
    const last = sql.get<{ t: number | null }>('SELECT max(ended_at) AS t FROM streams')?.t ?? null;
    if (first === null || last === null) return true;
    return range.from <= first && range.to >= last;
  }

  return { store, sql, accountFilter, coversAll };
}

/** The shared context of the stats modules. */
export type StatsContext = ReturnType<typeof createStatsContext>;

export function add(grid: number[][], dow: number, hour: number, value: number): void {
  grid[dow]![hour] = (grid[dow]![hour] ?? 0) + value;
}

/** Escapes LIKE wildcards so user text matches literally (ESCAPE '\\'). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
