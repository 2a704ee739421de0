import { useState } from 'preact/hooks';
import { has, placeholders, t, tn } from '../texts/story';
import { dateTime, dec, num } from '../format';
import { numberLocale } from '../i18n';
import type { Setup } from '../setup';
import type { Story, StorySummary, Violation } from '../story-types';
import { CitedFacts, FactsJson } from './facts';

const dayRange = new Intl.DateTimeFormat(numberLocale, { dateStyle: 'medium', timeZone: 'UTC' });
/** A period's days for people: "7–13 Oct 2024", "7.–13.10.2024". */
function days(start: string, end: string): string {
  const [a, b] = [Date.parse(`${start}T12:00:00Z`), Date.parse(`${end}T12:00:00Z`)];
  return typeof dayRange.formatRange === 'function' ? dayRange.formatRange(a, b) : `${dayRange.format(a)} – ${dayRange.format(b)}`;
}

const PROVIDER_NAMES: Record<string, string> = { gemini: 'Gemini', openai_compatible: 'OpenAI-compatible' };

/** The options a failure's sentence may name, by its placeholder ({key}, {model}, …). */
const OPTION_OF: Record<string, string> = { key: 'ai_api_key', model: 'ai_model', url: 'ai_base_url', timeout: 'ai_timeout_s', provider: 'ai_provider' };

/** Why the provider gave no story, in the reader's language (the server's own sentence is English and goes to the log). */
export function failureText(error: NonNullable<StorySummary['error']>, setup: Setup): string {
  const key = has(`story.failed.${error.reason}`) ? `story.failed.${error.reason}` : 'story.failed.other';
  // "Where to set it" names the options this sentence names, no more.
  const named = placeholders(key).flatMap((p) => (OPTION_OF[p] ? [OPTION_OF[p]] : []));
  return t(key, {
    wait: error.retry_after_s ? t('story.failed.wait', { s: num(error.retry_after_s) }) : '',
    ...Object.fromEntries(Object.entries(OPTION_OF).map(([p, option]) => [p, setup.option(option)])),
    where: setup.where(...named),
  });
}

/** Where in the story a fault was found: "the title", "highlight 2", "the persona". */
function fieldText(field: string): string {
  const m = /^highlights\.(\d+)/.exec(field);
  if (m) return t('story.field.highlight', { n: Number(m[1]) + 1 });
  const part = field.split('.')[0] ?? '';
  return has(`story.field.${part}`) ? t(`story.field.${part}`) : t('story.field.story');
}

/** A grounding fault as a sentence (rule number, name or key). */
export const violationText = (v: Violation) => t(`story.fault.${v.rule}`, { text: v.text, field: fieldText(v.field) });

/** The size of the facts as sent (UTF-8 JSON), "3.7 kB". */
export const kilobytes = (facts: unknown) => `${dec(new TextEncoder().encode(JSON.stringify(facts)).length / 1000)} kB`;

/** Who wrote the story, when, and what the model cost (tokens, seconds). */
function byline(s: StorySummary, zone: string): string {
  const when = dateTime(s.created_at, zone);
  if (s.source === 'template') return t('story.by_template', { when });
  const who = s.model ?? PROVIDER_NAMES[s.provider] ?? s.provider;
  const parts = [t('story.by_model', { model: who, when })];
  if (s.tokens?.total) parts.push(tn('story.tokens', s.tokens.total, { n: num(s.tokens.total) }));
  if (s.latency_ms !== null) parts.push(s.latency_ms < 1000 ? t('story.ms', { ms: num(s.latency_ms) }) : t('story.seconds', { s: dec(s.latency_ms / 1000) }));
  return parts.join(' · ');
}

/**
 * One story: title, who wrote it, why the template shows (a failed provider, a rejected story, no
 * model set up), the summary, each highlight with the facts it cites one click away, the persona, and
 * the whole facts payload that was sent.
 */
export function StoryView({ story: s, setup, zone, actions }: { story: Story; setup: Setup | null; zone: string; actions: preact.ComponentChildren }) {
  const [open, setOpen] = useState<Set<number>>(new Set());
  const [sent, setSent] = useState(false);
  const toggle = (i: number) => setOpen((o) => { const n = new Set(o); if (n.has(i)) n.delete(i); else n.add(i); return n; });
  const faults = s.rejected?.grounding.violations ?? [];
  return (
    <article class="card story-card" data-testid="story" data-status={s.status} data-source={s.source} data-id={s.id}>
      <p class="kicker" data-testid="story-days">{days(s.start, s.end)}</p>
      <h2 class="story-title" data-testid="story-title">{s.title}</h2>
      <p class="hint" data-testid="story-by">{byline(s, zone)}</p>
      {setup && s.status === 'failed' && s.error && <p class="notice" role="status" data-testid="story-failed">
        {failureText(s.error, setup)} {t('story.template_shown')}</p>}
      {s.status === 'rejected' && <div class="notice" role="status" data-testid="story-rejected">
        <p>{t('story.rejected')}</p>
        {faults.length > 0 && <ul>{faults.slice(0, 8).map((v, i) => <li key={i}>{violationText(v)}</li>)}</ul>}
      </div>}
      <p class="summary" data-testid="story-summary">{s.summary}</p>
      <ul class="highlights" data-testid="story-highlights">{s.highlights.map((h, i) => (
        <li key={i} data-keys={h.fact_keys.join(' ')}>
          <p>{h.text}</p>
          {h.fact_keys.length > 0 && <button type="button" class="link" aria-expanded={open.has(i)} aria-controls={`facts-${s.id}-${i}`}
            data-testid="highlight-facts" onClick={() => toggle(i)}>{open.has(i) ? t('story.facts.hide') : tn('story.facts', h.fact_keys.length, { n: h.fact_keys.length })}</button>}
          {open.has(i) && <div id={`facts-${s.id}-${i}`}><CitedFacts facts={s.facts} keys={h.fact_keys} /></div>}
        </li>))}</ul>
      <div class="persona" data-testid="story-persona">
        <span class="label">{t('story.persona')}</span>
        <b>{s.persona.name}</b>
        <span>{s.persona.description}</span>
      </div>
      <div class="row">
        {actions}
        <button type="button" aria-expanded={sent} data-testid="story-sent" onClick={() => setSent(!sent)}>
          {s.attempts.length > 0 ? t('story.sent') : t('story.sent.template')}</button>
      </div>
      {setup && s.provider === 'none' && <p class="hint" data-testid="story-setup">{t('story.setup', { option: setup.option('ai_provider'), where: setup.where('ai_provider') })}</p>}
      {sent && <div class="sent"><p class="hint">{t('story.sent.hint', { size: kilobytes(s.facts) })}</p>
        <FactsJson facts={s.facts} /></div>}
    </article>
  );
}
