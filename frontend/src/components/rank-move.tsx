import { t } from '../i18n';

/**
 * A top-list row's movement against the previous period: `'new'` (not ranked before), places up
 * (> 0, ▲), down (< 0, ▼) or unchanged (0, –); nothing when there is no previous period to compare.
 */
export function RankMove({ move }: { move: number | 'new' | null }) {
  if (move === null) return null;
  return (
    <small class={`move ${move === 'new' ? 'new' : move > 0 ? 'up' : move < 0 ? 'down' : ''}`}
      aria-label={move === 'new' ? t('top.new') : t('top.moved', { n: move })}>
      {move === 'new' ? t('top.new') : move > 0 ? `▲${move}` : move < 0 ? `▼${-move}` : '–'}</small>
  );
}
