import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { numberLocale } from './i18n';

/** A CSS custom property's value (canvas cannot resolve var()). */
const cssVar = (name: string, fallback: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
const PALETTE = ['--accent', '--series-2', '--series-3', '--series-4'];

export interface ChartSeries { label: string; values: (number | null)[] }
export interface ChartProps {
  /** Bucket starts as calendar dates at 00:00 UTC, in seconds (the bucket's own date, whatever the zone). */
  x: number[];
  series: ChartSeries[];
  /** stacked: each series on top of the ones before (shares of a whole: a streamgraph of genres). */
  kind: 'bars' | 'lines' | 'stacked';
  /** Colours of the series (CSS colours), else the panel's palette. */
  colours?: string[];
  bucket: 'day' | 'week' | 'month';
  /** Axis label of a y value (with its unit). */
  yFormat: (v: number) => string;
  /** The floating tooltip's text for bucket i ("17 h 36 min · 52 plays"). */
  tooltip: (i: number) => string;
  label: string;
  legend?: boolean;
  height?: number;
}

/**
 * A uPlot chart of buckets over the chosen range: bars for bucketed data, y from 0, unambiguous ticks
 * ("Feb 2024", "3 Feb"), a floating localized tooltip, and its box's width. Loaded on demand (pages
 * without charts never load uPlot).
 */
export default function Chart({ x, series, kind, bucket, yFormat, tooltip, label, legend = false, height = 220, colours }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const tip = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const text = cssVar('--text-2', '#5f6368');
    const grid = cssVar('--divider', 'rgba(0,0,0,.12)');
    const colour = (i: number) => colours?.[i % colours.length] ?? cssVar(PALETTE[i % PALETTE.length]!, '#0b6bcb');
    const stacked = kind === 'stacked';
    // Stacked: series i is drawn at the sum of series 0..i, its band filled down to series i − 1.
    const sums = x.map(() => 0);
    const drawn = stacked ? series.map((s) => s.values.map((v, j) => (v == null ? null : (sums[j] = sums[j]! + v)))) : series.map((s) => s.values);
    const years = new Set(x.map((s) => new Date(s * 1000).getUTCFullYear())).size;
    const tick = new Intl.DateTimeFormat(numberLocale, bucket === 'month' ? { month: 'short', year: 'numeric', timeZone: 'UTC' }
      : years > 1 ? { day: 'numeric', month: 'short', year: '2-digit', timeZone: 'UTC' } : { day: 'numeric', month: 'short', timeZone: 'UTC' });
    const bars = uPlot.paths.bars!({ size: [0.8, 48], align: 0 });
    const half = bucket === 'month' ? 14 * 86_400 : bucket === 'week' ? 3.5 * 86_400 : 0.5 * 86_400;
    const plot = new uPlot({
      width: el.clientWidth || 300, height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      legend: { show: legend },
      bands: stacked ? series.slice(1).map((_s, i) => ({ series: [i + 2, i + 1] as [number, number] })) : undefined,
      padding: [8, kind === 'bars' ? 8 : 28, 0, 0], // room for the last tick's label where a line ends at the edge
      scales: { x: { time: true, range: (_u, min, max) => (kind === 'bars' ? [min, max + 2 * half] : min === max ? [min - half, max + half] : [min, max]) },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] } },
      series: [{}, ...series.map((s, i) => ({
        label: s.label, stroke: colour(i), width: kind === 'bars' ? 0 : stacked ? 1 : 2,
        fill: kind === 'bars' || stacked ? colour(i) : series.length === 1 ? `${colour(i)}33` : undefined,
        paths: kind === 'bars' ? bars : undefined, points: { show: kind === 'lines' && x.length < 60 },
        value: (_u: uPlot, v: number | null) => (v == null ? '–' : yFormat(v)),
      }))],
      axes: [
        // Ticks only at bucket starts (never two "Aug 2024"), thinned to what the width holds.
        { stroke: text, grid: { show: false }, ticks: { stroke: grid }, space: 64,
          splits: (u) => { const room = Math.max(1, Math.floor(u.bbox.width / devicePixelRatio / (bucket === 'month' ? 72 : 56)));
            const step = Math.max(1, Math.ceil(x.length / room)); return x.filter((_v, i) => i % step === 0); },
          values: (_u, ticks) => ticks.map((v) => tick.format(v * 1000)) },
        { stroke: text, grid: { stroke: grid }, ticks: { show: false }, size: 56, values: (_u, ticks) => ticks.map((v) => yFormat(v)) },
      ],
      cursor: { points: { size: 6 }, drag: { x: false, y: false } },
      hooks: {
        setCursor: [(u) => {
          const t = tip.current;
          if (!t) return;
          const i = u.cursor.idx;
          if (i == null || u.cursor.left == null || u.cursor.left < 0) { t.hidden = true; return; }
          t.hidden = false;
          t.textContent = tooltip(i);
          const left = Math.min(Math.max(0, u.cursor.left + u.bbox.left / devicePixelRatio - t.offsetWidth / 2), el.clientWidth - t.offsetWidth);
          t.style.transform = `translate(${left}px, 0)`;
        }],
      },
    }, [x, ...drawn] as uPlot.AlignedData, el);
    const observer = new ResizeObserver(() => plot.setSize({ width: el.clientWidth || 300, height }));
    observer.observe(el);
    return () => { observer.disconnect(); plot.destroy(); };
  }, [x, series, kind, bucket, height, legend, colours]);
  return (
    <div class="chart-wrap">
      <div class="tooltip" ref={tip} hidden role="status" />
      <div class="chart" ref={box} role="img" aria-label={label} />
    </div>
  );
}
