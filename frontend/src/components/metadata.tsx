import { useEffect } from 'preact/hooks';
import { useApi } from '../api';
import { numberLocale } from '../i18n';
import { duration, num, pct } from '../format';
import { t } from '../texts/metadata';

/** How much of a range's plays a metadata statistic could use (the `coverage` of every metadata answer). */
export interface Coverage { plays: number; plays_with_data: number }

/** GET /api/v1/enrichment (src/metadata/status.ts). */
export interface Enrichment {
  enabled: boolean;
  state: 'disabled' | 'idle' | 'working' | 'waiting' | 'offline';
  token: 'none' | 'ok' | 'refused';
  tracks: { pending: number; resolved: number; not_found: number; failed: number; total: number };
  queue_length: number;
  not_found_reasons: { reason: string; tracks: number }[];
  last_error: { service: string; message: string; at: number } | null;
  services: Record<'listenbrainz' | 'musicbrainz', { state: string; problem: string | null; retry_at: number | null }>;
  estimate_s: { now: number; with_token: number };
  message: string;
}

/** What a metadata statistic is about (the key part of its sentences). */
export type MetaWhat = 'genres' | 'countries' | 'eras' | 'popularity';

/** Tracks looked up so far (found or not) of all tracks. */
export const lookedUp = (e: Enrichment) => e.tracks.resolved + e.tracks.not_found;

/** The enrichment status; with `poll`, asked again every `everyMs` while lookups are still going (there is no live event for it). */
export function useEnrichment(poll = false, everyMs = 3000) {
  const e = useApi<Enrichment>('enrichment');
  const going = !!e.data && e.data.enabled && (e.data.state !== 'idle' || e.data.queue_length > 0);
  useEffect(() => {
    if (!poll || !going || e.loading) return undefined;
    const id = setTimeout(e.reload, everyMs);
    return () => clearTimeout(id);
  }, [poll, going, e.data, e.loading]);
  return e;
}

/** Seconds for people: "under a minute", "42 min", "3 h 10 min". */
export const seconds = (s: number) => (s < 60 ? t('meta.under_minute') : duration(s * 1000));

const regions = (() => { try { return new Intl.DisplayNames([numberLocale, 'en'], { type: 'region' }); } catch { return null; } })();
/** A country's name in the reader's language from its ISO 3166-1 alpha-2 code (the code when the browser has no name). */
export function countryName(code: string): string {
  try { return regions?.of(code) ?? code; } catch { return code; }
}

/** "Genres known for 82 % of plays": every metadata card says how much of the listening it covers. */
export function CoverageLine({ coverage, what, testid }: { coverage: Coverage; what: MetaWhat; testid?: string }) {
  if (coverage.plays === 0) return null;
  return <p class="hint coverage" data-testid={testid}>{t(`meta.coverage.${what}`, { pct: pct((100 * coverage.plays_with_data) / coverage.plays),
    n: num(coverage.plays_with_data), total: num(coverage.plays) })}</p>;
}

/**
 * The empty state of a metadata card with plays but no data: enrichment is off (the option to turn
 * it on), still looking tracks up ("N of M done", a link to the progress in Settings), or done and
 * MusicBrainz knew nothing for these plays.
 */
export function NotLookedUp({ what, testid, card = true }: { what: MetaWhat; testid?: string; card?: boolean }) {
  const { data: e } = useEnrichment(true, 5000);
  if (!e) return null;
  const done = lookedUp(e);
  const body = !e.enabled ? <p>{t('meta.off')}</p>
    : what === 'popularity' && e.token !== 'ok' ? <p>{t(e.token === 'refused' ? 'meta.popularity.refused' : 'meta.popularity.token')}</p>
      : done < e.tracks.total || e.queue_length > 0 ? <>
        <p>{t(`meta.pending.${what}`, { done: num(done), total: num(e.tracks.total) })}</p>
        <progress max={Math.max(1, e.tracks.total)} value={done} aria-label={t('meta.progress')} />
        <a class="button" href="#/settings">{t('meta.see_progress')}</a></>
        : <p>{t(`meta.none.${what}`)}</p>;
  return <div class={card ? 'card empty' : 'empty'} data-testid={testid ?? `${what}-pending`}>{body}</div>;
}
