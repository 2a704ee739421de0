import { t } from './i18n';

export const DAY = 86_400_000;
/** Range presets (days; null = all time). */
export const RANGES: Record<string, number | null> = { today: 1, '7d': 7, '4w': 28, '6m': 182, '1y': 365, all: null };

/** [from, to] of a preset ending now; `today` starts at local midnight. */
export function rangeOf(preset: string, to = Date.now()): { from: number; to: number } {
  const days = RANGES[preset] ?? null;
  return { from: days === null ? 0 : preset === 'today' ? new Date(to).setHours(0, 0, 0, 0) : to - days * DAY, to };
}

/** The preset buttons. */
export function RangePicker({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <div class="ranges" role="group" aria-label={t('overview.range')}>
      {Object.keys(RANGES).map((r) => <button key={r} class={r === value ? 'active' : ''} aria-pressed={r === value} onClick={() => onChange(r)}>{t(`range.${r}`)}</button>)}
    </div>
  );
}
