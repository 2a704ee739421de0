import { Fragment } from 'preact';
import { has, t, tn } from '../texts/story';
import { dayName, dec, num, pct, weekdays } from '../format';

/** A story's facts payload (GET /api/v1/stories/{id} `facts`): plain JSON with stable keys. */
export type Facts = Record<string, unknown>;

/** `top_artists[0].name`, `facts.totals.plays` → `top_artists.0.name`, `totals.plays` (as the server's grounding check reads fact keys). */
export const normalizeKey = (key: string) => key.trim().replace(/\[(\d+)\]/g, '.$1').replace(/^facts\./, '').replace(/^\.+|\.+$/g, '');

/** The value at a dotted fact key (arrays by 0-based index), or undefined when the facts have no such key. */
export function factAt(facts: Facts, key: string): unknown {
  let value: unknown = facts;
  for (const part of normalizeKey(key).split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const ENGLISH_WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** One segment of a key for people: "Top artists", "#1", "Plays" (unknown names: their words). */
function segmentLabel(segment: string): string {
  if (/^\d+$/.test(segment)) return `#${Number(segment) + 1}`;
  return has(`fact.${segment}`) ? t(`fact.${segment}`) : segment.replace(/_/g, ' ');
}
/** A key path for people: "Totals · Change · Plays". */
export const keyLabel = (key: string) => normalizeKey(key).split('.').filter(Boolean).map(segmentLabel).join(' · ');

/** A fact's value in the reader's format, by what its key says it is (…_pct %, …_pts points, …minutes, …_days, tempo_bpm, dates, weekdays). */
export function factValue(key: string, value: unknown): string {
  const leaf = normalizeKey(key).split('.').at(-1) ?? '';
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') {
    if (leaf.endsWith('_pct')) return pct(value);
    if (leaf.endsWith('_pts')) return t('unit.pts', { n: `${value > 0 ? '+' : ''}${dec(value)}` });
    if (leaf.endsWith('minutes')) return t('unit.min', { n: num(value) });
    if (leaf.endsWith('_days')) return tn('days', value, { n: num(value) });
    if (leaf === 'tempo_bpm') return `${num(value)} BPM`;
    return num(value);
  }
  if (typeof value === 'string') {
    if (DATE.test(value)) return dayName(value);
    const day = ENGLISH_WEEKDAYS.indexOf(value);
    if (leaf === 'weekday' && day >= 0) return weekdays('long')[day]!;
    if ((leaf === 'day_part' || leaf === 'top_day_part') && has(`fact.${value}`)) return t(`fact.${value}`);
    return value;
  }
  if (typeof value === 'boolean') return t(value ? 'fact.yes' : 'fact.no');
  return JSON.stringify(value);
}

/** Every leaf under a value, with its key relative to it (an object's fields, an array's items). */
function leaves(value: unknown, prefix: string): [string, unknown][] {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    if (entries.length === 0) return [[prefix, Array.isArray(value) ? t('fact.none') : '—']];
    return entries.flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, value]];
}

/**
 * The facts a highlight cites, each with its value (an object's fields one per row): `data-key`
 * holds the full fact key of each value. A key the facts lack says so (the grounding check refuses
 * those; a story stored before a schema change may still hold one).
 */
export function CitedFacts({ facts, keys }: { facts: Facts; keys: string[] }) {
  return (
    <div class="facts" data-testid="cited-facts">
      {keys.map((key) => {
        const k = normalizeKey(key);
        const value = factAt(facts, k);
        const rows = value !== null && typeof value === 'object' ? leaves(value, '') : null;
        return (
          <div class="fact" key={k}>
            <h4>{keyLabel(k)} <code class="key">{k}</code></h4>
            {value === undefined ? <p class="hint">{t('story.fact_missing')}</p> : rows ? (
              <dl class="status">{rows.map(([sub, v]) => <Fragment key={sub}>
                <dt>{sub ? keyLabel(sub) : t('story.value')}</dt>
                <dd data-key={sub ? `${k}.${sub}` : k}>{factValue(sub || k, v)}</dd></Fragment>)}</dl>
            ) : <dl class="status"><dt>{t('story.value')}</dt><dd data-key={k}>{factValue(k, value)}</dd></dl>}
          </div>
        );
      })}
    </div>
  );
}

/** The whole facts payload as sent (pretty JSON, exactly the keys the model and the grounding check see). */
export function FactsJson({ facts, testid }: { facts: Facts; testid?: string }) {
  return <pre class="json" data-testid={testid ?? 'facts-json'} tabIndex={0}>{JSON.stringify(facts, null, 2)}</pre>;
}
