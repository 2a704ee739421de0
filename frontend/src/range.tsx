import { t } from './i18n';

export const DAY = 86_400_000;
/** Range presets (days; null = all time); 'custom' uses the picker's dates. */
export const RANGES: Record<string, number | null> = { today: 1, '7d': 7, '4w': 28, '6m': 182, '1y': 365, all: null };

/** A chosen range: a preset name, or `custom:<from ms>:<to ms>`. */
export type RangeValue = string;

/** [from, to] of a range value ending now; `today` starts at local midnight. */
export function rangeOf(value: RangeValue, to = Date.now()): { from: number; to: number } {
  if (value.startsWith('custom:')) { const [, a, b] = value.split(':'); return { from: Number(a), to: Number(b) }; }
  const days = RANGES[value] ?? null;
  return { from: days === null ? 0 : value === 'today' ? new Date(to).setHours(0, 0, 0, 0) : to - days * DAY, to };
}

/** Days a range spans (null for all time). */
export function rangeDays(value: RangeValue): number | null {
  if (value.startsWith('custom:')) { const { from, to } = rangeOf(value); return Math.max(1, Math.round((to - from) / DAY)); }
  return RANGES[value] ?? null;
}

const dateInput = (ms: number) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 10);

/** The preset buttons plus a custom from/to (local dates). */
export function RangePicker({ value, onChange }: { value: RangeValue; onChange: (v: RangeValue) => void }) {
  const custom = value.startsWith('custom:') ? rangeOf(value) : null;
  const setCustom = (from: string, to: string) => {
    const a = new Date(`${from}T00:00:00`).getTime(); const b = new Date(`${to}T23:59:59`).getTime();
    if (Number.isFinite(a) && Number.isFinite(b) && a <= b) onChange(`custom:${a}:${b}`);
  };
  const now = Date.now();
  return (
    <div class="ranges" role="group" aria-label={t('overview.range')}>
      {Object.keys(RANGES).map((r) => <button key={r} class={r === value ? 'active' : ''} aria-pressed={r === value} onClick={() => onChange(r)}>{t(`range.${r}`)}</button>)}
      <span class={`custom ${custom ? 'active' : ''}`}>
        <input type="date" aria-label={t('range.from')} value={dateInput(custom?.from ?? now - 28 * DAY)}
          onChange={(e) => setCustom((e.target as HTMLInputElement).value, dateInput(custom?.to ?? now))} />
        <input type="date" aria-label={t('range.to')} value={dateInput(custom?.to ?? now)}
          onChange={(e) => setCustom(dateInput(custom?.from ?? now - 28 * DAY), (e.target as HTMLInputElement).value)} />
      </span>
    </div>
  );
}
