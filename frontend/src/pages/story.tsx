import { useEffect, useState } from 'preact/hooks';
import { errorText, post, useApi } from '../api';
import { t } from '../texts/story';
import { usePanel, acc, type PanelContext } from '../context';
import { live } from '../live';
import { href, setParams, useParam, type Route } from '../router';
import { useSetup, type Setup } from '../setup';
import { dateIn } from '../zone';
import { defaultStart, isPeriodKind, periodEnd, periodLabel, periodStart, serverToday, shiftPeriod, type PeriodKind } from '../period';
import type { PersonaEntry, Story, StoryReady } from '../story-types';
import { Empty } from '../components/empty';
import { Toggle } from '../components/toggle';
import { FactsJson, type Facts } from '../components/facts';
import { StoryView, kilobytes } from '../components/story-view';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Timeline entries shown before "Show all". */
const TIMELINE_FIRST = 12;

interface Preview { facts: Facts & { totals: { plays: number } }; provider: string; bytes: number }

/** Previous / next period, with the period's name between (no periods before the history, none in the future). */
function Pager({ period, start, ctx, onChange }: { period: PeriodKind; start: string; ctx: PanelContext; onChange: (s: string) => void }) {
  const first = ctx.span.first_at === null ? null : dateIn(ctx.span.first_at, ctx.span.time_zone);
  const prev = shiftPeriod(period, start, -1);
  const next = shiftPeriod(period, start, 1);
  return (
    <div class="pager" role="group" aria-label={t('story.periods')}>
      <button type="button" aria-label={t('story.previous')} title={t('story.previous')} data-testid="story-prev"
        disabled={first === null || periodEnd(period, prev) < first} onClick={() => onChange(prev)}>‹</button>
      <span class="period-name" data-testid="story-period">{periodLabel(period, start)}</span>
      <button type="button" aria-label={t('story.next')} title={t('story.next')} data-testid="story-next"
        disabled={next > serverToday(ctx)} onClick={() => onChange(next)}>›</button>
    </div>
  );
}

/** The persona of every stored period, newest first, the shown one marked; each opens its story. */
function Timeline({ personas, period, start, ctx }: { personas: PersonaEntry[]; period: PeriodKind; start: string | null; ctx: PanelContext }) {
  const [all, setAll] = useState(false);
  const newest = [...personas].reverse();
  const shown = all ? newest : newest.slice(0, TIMELINE_FIRST);
  return (
    <div class="card" data-testid="personas">
      <h3>{t('story.timeline')}</h3>
      {newest.length === 0 ? <p class="hint">{t('story.timeline.empty')}</p> : <ol class="timeline">{shown.map((p, i) => {
        const before = newest[i + 1];
        return (
          <li key={p.start} class={p.start === start ? 'current' : ''} data-start={p.start} aria-current={p.start === start ? 'true' : undefined}>
            <a href={href('story', null, { period: period === 'week' ? null : period, start: p.start, account: ctx.accounts[0] === ctx.account ? null : ctx.account })}>
              <span class="when">{periodLabel(period, p.start)}</span>
              <b>{p.name}</b>{before && before.name !== p.name && <small class="move new">{t('story.persona_changed')}</small>}
              <small>{p.description}</small>
            </a>
          </li>
        );
      })}</ol>}
      {!all && newest.length > TIMELINE_FIRST && <button type="button" onClick={() => setAll(true)}>{t('story.timeline.all', { n: newest.length })}</button>}
    </div>
  );
}

/** A period without a story: what would be sent (and by whom), and the button that writes it. */
function NoStory({ period, start, ctx, setup, busy, onWrite }: { period: PeriodKind; start: string; ctx: PanelContext; setup: Setup | null; busy: boolean;
  onWrite: () => void }) {
  const preview = useApi<Preview>(`stories/facts?${acc(ctx)}&period=${period}&start=${start}`);
  const [sent, setSent] = useState(false);
  const p = preview.data;
  const quiet = p !== null && p.facts.totals.plays === 0;
  return (
    <div class="card" data-testid="story-none">
      <h3>{t('story.none.title', { period: periodLabel(period, start) })}</h3>
      {preview.error && <p class="error" role="alert">{preview.error}</p>}
      {quiet && <p data-testid="story-quiet">{t('story.none.quiet')}</p>}
      {p && !quiet && setup && p.provider === 'none' && <p class="hint" data-testid="story-setup">{t('story.setup', { option: setup.option('ai_provider'), where: setup.where('ai_provider') })}</p>}
      <div class="row">
        <button type="button" class={`primary ${busy ? 'busy' : ''}`} disabled={busy || !p} aria-busy={busy} data-testid="story-write" onClick={onWrite}>
          {busy ? t('story.writing') : t('story.write')}</button>
        {p && <button type="button" aria-expanded={sent} data-testid="story-preview" onClick={() => setSent(!sent)}>{t('story.would_send')}</button>}
      </div>
      {sent && p && <div class="sent"><p class="hint">{t('story.sent.hint', { size: kilobytes(p.facts) })}</p><FactsJson facts={p.facts} testid="preview-json" /></div>}
    </div>
  );
}

/**
 * Story: the story of a week, month or year (the latest stored one unless the address names a
 * period), its facts one click away, regenerate (POST /stories with force; the new story arrives on
 * the socket's `story` event), previous periods, and the persona timeline.
 */
export function StoryPage({ route }: { route: Route }) {
  const ctx = usePanel();
  const setup = useSetup();
  const [periodParam] = useParam(route, 'period', 'week');
  const period: PeriodKind = isPeriodKind(periodParam) ? periodParam : 'week';
  const startParam = route.params.get('start');
  const personas = useApi<{ personas: PersonaEntry[] }>(`stories/personas?${acc(ctx)}&period=${period}`);
  const list = personas.data?.personas ?? null;
  const start = startParam && DATE.test(startParam) ? periodStart(period, startParam)
    : list ? (list.at(-1)?.start ?? defaultStart(period, ctx)) : null;
  const entry = list && start ? list.find((p) => p.start === start) ?? null : null;
  const story = useApi<Story>(entry ? `stories/${entry.story_id}` : null);
  /** A story being written: its period and the story it replaces (null: none yet). */
  const [writing, setWriting] = useState<{ start: string; replaces: number | null } | null>(null);
  const [writeError, setWriteError] = useState<string | null>(null);

  useEffect(() => {
    // The new story is announced on the socket; a slow poll covers a socket that dropped meanwhile.
    const socket = live();
    const on = (s: StoryReady) => { if (s.account === ctx.account && s.period === period) personas.reload(); };
    socket.on('story', on);
    const poll = writing ? setInterval(() => personas.reload(), 5000) : null;
    return () => { socket.off('story', on); if (poll) clearInterval(poll); };
  }, [period, writing !== null]);
  useEffect(() => {
    if (!writing || !list) return;
    const now = list.find((p) => p.start === writing.start);
    if (now && now.story_id !== writing.replaces) setWriting(null);
  }, [list, writing]);

  const write = async (force: boolean) => {
    if (!start) return;
    setWriting({ start, replaces: entry?.story_id ?? null }); setWriteError(null);
    try {
      const r = await post<{ story?: { id: number }; state?: string }>('stories', { account: ctx.account, period, start, force });
      if (r.story) personas.reload();
    } catch (e) { setWriting(null); setWriteError(errorText(e)); }
  };
  const busy = writing !== null && writing.start === start;
  const go = (s: string) => setParams({ start: s });
  const shown = story.data && entry && story.data.id === entry.story_id ? story.data : null;
  return (
    <section class="page story">
      <div class="controls">
        <Toggle label={t('story.period')} value={period} onChange={(v) => setParams({ period: v === 'week' ? null : v, start: null })}
          options={[['week', t('story.period.week')], ['month', t('story.period.month')], ['year', t('story.period.year')]]} />
        {start && ctx.span.streams > 0 && <Pager period={period} start={start} ctx={ctx} onChange={go} />}
      </div>
      {(personas.error || story.error) && <p class="error" role="alert">{personas.error ?? story.error}</p>}
      {writeError && <p class="error" role="alert">{writeError}</p>}
      {busy && <div class="card" role="status" data-testid="story-writing"><p>{t('story.writing.long')}</p><progress aria-label={t('story.writing')} /></div>}
      {ctx.span.streams === 0 ? <Empty testid="story-empty" /> : <div class="story-layout">
        <div>
          {shown ? <StoryView story={shown} setup={setup} zone={ctx.zone} actions={
            <button type="button" class={busy ? 'busy' : ''} disabled={busy} aria-busy={busy} data-testid="story-regenerate" onClick={() => write(true)}>
              {busy ? t('story.writing') : t('story.regenerate')}</button>} />
            : start && list && !entry ? <NoStory period={period} start={start} ctx={ctx} setup={setup} busy={busy} onWrite={() => write(false)} />
              : !(personas.error || story.error) && <p class="loading" aria-busy="true">{t('loading')}</p>}
        </div>
        {list && <Timeline personas={list} period={period} start={start} ctx={ctx} />}
      </div>}
    </section>
  );
}
