import { change } from '../format';
import { t } from '../i18n';

/** One number tile; with a previous value, the change in % and that value next to it. */
export function Tile({ label, value, prevValue, sub, testid }: { label: string; value: string; prevValue?: string | undefined; sub?: string | undefined; testid?: string }) {
  return (
    <div class="tile card" data-testid={testid}>
      <span class="label">{label}</span>
      <b>{value}</b>
      {sub && <small>{sub}</small>}
      {prevValue !== undefined && <small class="prev" title={t('overview.vs')}>{prevValue}</small>}
    </div>
  );
}

/** "+12% vs 1,234" (or "new" when there was nothing before). */
export function versus(current: number, previous: number, fmt: (n: number) => string): string {
  if (previous === 0) return current === 0 ? t('vs.same', { prev: fmt(0) }) : t('vs.new');
  return t('vs.change', { pct: change((current - previous) / previous), prev: fmt(previous) });
}
