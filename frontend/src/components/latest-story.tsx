import { useApi } from '../api';
import { t } from '../i18n';
import { usePanel, acc } from '../context';
import { href } from '../router';
import { periodLabel } from '../period';
import type { StorySummary } from '../story-types';

/** Overview's card of the latest weekly story: its title, linking to the Story page (nothing when no story is stored). */
export function LatestStory() {
  const ctx = usePanel();
  const { data } = useApi<{ stories: StorySummary[] }>(`stories?${acc(ctx)}&period=week&limit=1`);
  const s = data?.stories[0];
  if (!s) return null;
  return (
    <a class="card story-link" data-testid="overview-story" href={href('story', null, { start: s.start, account: ctx.accounts[0] === ctx.account ? null : ctx.account })}>
      <span class="label">{t('story.latest', { period: periodLabel('week', s.start) })}</span>
      <b data-testid="overview-story-title">{s.title}</b>
      <small>{s.persona.name}</small>
    </a>
  );
}
