import { useEffect, useState } from 'preact/hooks';
import type { ChartProps } from '../chart';
import { t } from '../i18n';
import { addDays, addMonths } from '../zone';

type ChartComponent = (props: ChartProps) => unknown;

/** The chart, loaded on first use (uPlot stays out of the first page's JavaScript). */
export function LazyChart(props: ChartProps) {
  const [C, setC] = useState<ChartComponent | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    import('../chart').then((m) => { if (live) setC(() => m.default as ChartComponent); }).catch(() => { if (live) setFailed(true); });
    return () => { live = false; };
  }, []);
  if (failed) return <p class="hint">{t('chart.failed')}</p>;
  if (!C) return <div class="chart-wrap placeholder" style={{ height: `${props.height ?? 220}px` }} aria-busy="true" />;
  const Comp = C as unknown as (p: ChartProps) => preact.JSX.Element;
  return <Comp {...props} />;
}

/**
 * Every bucket from `fromDate` to `toDate` (YYYY-MM-DD, both in), with the values the API returned
 * (keyed by bucket start) and 0 elsewhere: charts span the chosen range. Weeks start on Monday.
 */
export function fillBuckets<T>(fromDate: string, toDate: string, bucket: 'day' | 'week' | 'month', rows: { start: string; v: T }[], zero: T): { dates: string[]; x: number[]; values: T[] } {
  const byStart = new Map(rows.map((r) => [r.start, r.v]));
  let d = fromDate;
  if (bucket === 'month') d = `${d.slice(0, 7)}-01`;
  if (bucket === 'week') { const dow = (new Date(`${d}T00:00:00Z`).getUTCDay() + 6) % 7; d = addDays(d, -dow); }
  const dates: string[] = []; const x: number[] = []; const values: T[] = [];
  while (d <= toDate && dates.length < 4000) {
    dates.push(d); x.push(Date.parse(`${d}T00:00:00Z`) / 1000); values.push(byStart.get(d) ?? zero);
    d = bucket === 'month' ? addMonths(d, 1) : addDays(d, bucket === 'week' ? 7 : 1);
  }
  return { dates, x, values };
}

/** Colours of a stacked chart's series, told apart in light and dark themes (the last one, grey, is "other"). */
export const STACK_COLOURS = ['#0288d1', '#ef6c00', '#2e7d32', '#8e24aa', '#c62828', '#00897b', '#f9a825', '#5d4037', '#9e9e9e'];
