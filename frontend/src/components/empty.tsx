import { t } from '../i18n';
import { usePanel } from '../context';

/**
 * An empty card: "no listening history at all" (with the way to get some: connect or import, in
 * Settings) or "nothing matches this range or filter".
 */
export function Empty({ testid, what }: { testid?: string; what?: string }) {
  const ctx = usePanel();
  if (ctx.span.streams === 0) {
    return (
      <div class="card empty" data-testid={testid ?? 'empty'}>
        <h3>{t('empty.none.title')}</h3>
        <p>{t('empty.none.body')}</p>
        <a class="button primary" href="#/settings">{t('empty.none.action')}</a>
      </div>
    );
  }
  return <div class="card empty" data-testid={testid ?? 'empty'}><p>{what ?? t('empty.filter')}</p></div>;
}
