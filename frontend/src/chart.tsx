import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { lang } from './i18n';

/** A CSS custom property's value (canvas cannot resolve var()). */
const cssVar = (name: string, fallback: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

const PALETTE = ['--accent', '#ff9800', '#4caf50', '#9c27b0'];

/** A uPlot chart over time (x in seconds since the epoch) of one series (`y`) or several (`series`), following its box's width. */
export function TimeChart({ x, y, label, series }: { x: number[]; y?: number[]; label: string; series?: { label: string; y: (number | null)[] }[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const accent = cssVar('--accent', '#03a9f4');
    const text = cssVar('--text-2', '#727272');
    const grid = cssVar('--divider', 'rgba(0,0,0,.12)');
    const dateFormat = new Intl.DateTimeFormat(lang, { dateStyle: 'medium' });
    const lines = series ?? [{ label, y: y ?? [] }];
    const colour = (i: number) => (PALETTE[i]!.startsWith('--') ? accent : PALETTE[i]!);
    const plot = new uPlot({
      width: el.clientWidth || 300, height: 220,
      series: [{ value: (_u, v) => (v == null ? '' : dateFormat.format(new Date(v * 1000))) },
        ...lines.map((l, i) => ({ label: l.label, stroke: colour(i % PALETTE.length), fill: lines.length === 1 ? `${accent}40` : undefined, width: 2,
          value: (_u: uPlot, v: number | null) => (v == null ? '' : v.toFixed(2)) }))],
      axes: [{ stroke: text, grid: { stroke: grid }, values: (_u, ticks, _i, _space, incr) => ticks.map((v) =>
        new Intl.DateTimeFormat(lang, incr >= 28 * 86_400 ? { month: 'short', year: '2-digit' } : { day: 'numeric', month: 'short' }).format(new Date(v * 1000))) },
        { stroke: text, grid: { stroke: grid }, values: (_u, ticks) => ticks.map((v) => new Intl.NumberFormat(lang).format(v)) }],
      cursor: { points: { size: 6 } },
    }, [x, ...lines.map((l) => l.y)] as uPlot.AlignedData, el);
    const observer = new ResizeObserver(() => plot.setSize({ width: el.clientWidth || 300, height: 220 }));
    observer.observe(el);
    return () => { observer.disconnect(); plot.destroy(); };
  }, [x, y, label, series]);
  return <div class="chart" ref={box} role="img" aria-label={label} />;
}

/** Fills the buckets that had no listening with 0 (the API returns only buckets with data). */
export function fillBuckets(starts: string[], values: number[], bucket: 'day' | 'week' | 'month'): { x: number[]; y: number[] } {
  if (starts.length === 0) return { x: [], y: [] };
  const byStart = new Map(starts.map((s, i) => [s, values[i] ?? 0]));
  const x: number[] = []; const y: number[] = [];
  const d = new Date(`${starts[0]}T00:00:00Z`);
  const last = Date.parse(`${starts.at(-1)}T00:00:00Z`);
  while (d.getTime() <= last && x.length < 5000) {
    const key = d.toISOString().slice(0, 10);
    x.push(d.getTime() / 1000); y.push(byStart.get(key) ?? 0);
    if (bucket === 'month') d.setUTCMonth(d.getUTCMonth() + 1); else d.setUTCDate(d.getUTCDate() + (bucket === 'week' ? 7 : 1));
  }
  return { x, y };
}
