import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { weekdays } from '../format';

/**
 * A weekday × hour grid (Monday first, hours of the panel's zone). Every cell is reachable by touch,
 * mouse and keyboard (arrow keys move, one tab stop): the chosen cell's value is read out below the
 * grid, with the unit. `group` merges hours (4 → six 4-hour blocks). Hour labels every 3 hours so they
 * stay readable on a phone; a legend with the unit and the range of values.
 */
export function Heatmap({ grid, group = 1, testid, unit, format }: { grid: number[][]; group?: number; testid?: string; unit: (v: number) => string; format?: (v: number) => string }) {
  const cols = 24 / group;
  const cells = grid.map((row) => Array.from({ length: cols }, (_, c) => row.slice(c * group, (c + 1) * group).reduce((a, b) => a + b, 0)));
  const max = Math.max(0, ...cells.flat());
  const days = weekdays('short');
  const long = weekdays('long');
  const [sel, setSel] = useState<[number, number] | null>(null);
  const show = format ?? unit;
  const labelOf = (d: number, c: number) => `${long[d]} ${String(c * group).padStart(2, '0')}:00–${String(Math.min(24, (c + 1) * group)).padStart(2, '0')}:00`;
  const focus = (d: number, c: number, el: HTMLElement | null) => {
    setSel([d, c]);
    const table = el?.closest('table');
    (table?.querySelector(`[data-cell="${d}-${c}"]`) as HTMLElement | null)?.focus();
  };
  const onKey = (e: KeyboardEvent, d: number, c: number) => {
    const moves: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    focus((d + m[0] + 7) % 7, (c + m[1] + cols) % cols, e.currentTarget as HTMLElement);
  };
  const step = group === 1 ? 3 : 1;
  const [sd, sc] = sel ?? [-1, -1];
  return (
    <div class="heatmap-box">
      <table class="heatmap" data-testid={testid} role="grid" aria-label={t('heatmap.label')}>
        <thead><tr><th />{Array.from({ length: cols / step }, (_, i) => <th key={i} colSpan={step} scope="colgroup">{i * step * group}</th>)}</tr></thead>
        <tbody>{cells.map((row, d) => (
          <tr key={d}><th scope="row">{days[d]}</th>{row.map((v, c) => (
            <td key={c} data-cell={`${d}-${c}`} tabIndex={(sel ? sd === d && sc === c : d === 0 && c === 0) ? 0 : -1} role="gridcell"
              aria-label={`${labelOf(d, c)}: ${show(v)}`} aria-selected={sd === d && sc === c}
              class={sd === d && sc === c ? 'sel' : ''} onClick={() => setSel([d, c])} onFocus={() => setSel([d, c])} onKeyDown={(e) => onKey(e, d, c)}
              style={{ background: v > 0 ? `color-mix(in srgb, var(--accent) ${Math.round(15 + (85 * v) / Math.max(1, max))}%, var(--cell))` : undefined }} />
          ))}</tr>
        ))}</tbody>
      </table>
      <p class="readout" aria-live="polite" data-testid={testid ? `${testid}-readout` : undefined}>
        {sel ? `${labelOf(sd, sc)} · ${show(cells[sd]![sc]!)}` : t('heatmap.hint')}
      </p>
      <p class="legend"><span>{unit(0)}</span><span class="scale" aria-hidden="true" /><span>{unit(max)}</span></p>
    </div>
  );
}
