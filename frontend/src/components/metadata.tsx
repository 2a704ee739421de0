import { useEffect } from 'preact/hooks';
import { useApi } from '../api';
import { numberLocale } from '../i18n';
import { dec, duration, num, pct } from '../format';
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

/** GET /api/v1/stats/obscurity (src/metadata/stats/obscurity.ts). */
interface Obscurity { score: number | null; median_listeners: number | null; popularity_available: boolean; coverage: Coverage }

/**
 * The Overview's obscurity card: 0–100 from ListenBrainz listener counts (100 = recordings nobody
 * else plays), the play-weighted median of listeners, and its coverage; else why there is none yet.
 */
export function ObscurityCard({ query }: { query: string }) {
  const { data } = useApi<Obscurity>(`stats/obscurity?${query}&limit=1`);
  if (!data || data.coverage.plays === 0) return null;
  if (data.score === null) return <NotLookedUp what="popularity" testid="obscurity-pending" />;
  return (
    <div class="card" data-testid="obscurity">
      <h3>{t('meta.obscurity.title')}</h3>
      <p class="big" data-testid="obscurity-score">{t('meta.obscurity.score', { score: dec(data.score) })}</p>
      {data.median_listeners !== null && <p>{t('meta.obscurity.median', { n: num(data.median_listeners) })}</p>}
      <p class="hint">{t('meta.obscurity.how')}</p>
      <CoverageLine coverage={data.coverage} what="popularity" />
    </div>
  );
}

/** Settings: how far the lookups of genres, countries and eras got, and what a ListenBrainz token would change. */
export function EnrichmentCard() {
  const { data: e } = useEnrichment(true);
  if (!e) return null;
  const tracks = e.tracks ?? { pending: 0, resolved: 0, not_found: 0, failed: 0, total: 0 };
  const open = tracks.pending + tracks.failed;
  const faster = e.estimate_s && e.estimate_s.with_token > 0 ? Math.round(e.estimate_s.now / e.estimate_s.with_token) : null;
  return (
    <div class="card" data-testid="enrichment">
      <h3>{t('meta.enrich.title')}</h3>
      {!e.enabled ? <p>{t('meta.off')}</p> : <>
        <p data-testid="enrichment-state">{t(`meta.enrich.state.${e.state}`)}</p>
        <progress max={Math.max(1, tracks.total)} value={lookedUp(e)} aria-label={t('meta.progress')} />
      </>}
      <dl class="status" data-testid="enrichment-counts">
        <dt>{t('meta.enrich.resolved')}</dt><dd data-testid="enrich-resolved">{num(tracks.resolved)}</dd>
        <dt>{t('meta.enrich.not_found')}</dt><dd data-testid="enrich-not-found">{num(tracks.not_found)}</dd>
        <dt>{t('meta.enrich.pending')}</dt><dd data-testid="enrich-pending">{num(open)}</dd>
      </dl>
      {e.enabled && open > 0 && e.estimate_s && <p data-testid="enrich-eta">{t('meta.enrich.eta', { time: seconds(e.estimate_s.now) })}</p>}
      {e.enabled && e.token === 'none' && <p class="hint" data-testid="enrich-token">{open > 0 && faster !== null && faster > 1
        ? t('meta.enrich.token_faster', { x: num(faster), time: seconds(e.estimate_s.with_token) }) : t('meta.enrich.token')}</p>}
      {e.enabled && e.token === 'refused' && <p class="error">{t('meta.popularity.refused')}</p>}
    </div>
  );
}

/** The genres of an artist (its tracks' genres by plays) or of a track (by weight), as chips; nothing when none are known. */
export function EntityGenres({ kind, id, query }: { kind: 'artist' | 'track' | 'album'; id: number; query: string }) {
  const artist = useApi<{ genres: { genre: string; plays: number }[] }>(kind === 'artist' ? `artists/${id}/genres?${query}` : null);
  const track = useApi<{ genres: { genre: string; weight: number }[]; year: number | null; countries: string[] }>(kind === 'track' ? `tracks/${id}/metadata` : null);
  const genres = kind === 'artist' ? artist.data?.genres.map((g) => g.genre) ?? [] : track.data?.genres.map((g) => g.genre) ?? [];
  const year = track.data?.year ?? null;
  const countries = track.data?.countries ?? [];
  if (genres.length === 0 && year === null && countries.length === 0) return null;
  return (
    <div class="card" data-testid="entity-genres">
      {genres.length > 0 && <><h3>{t('meta.genres')}</h3>
        <ul class="chips">{genres.slice(0, 12).map((g) => <li key={g}>{g}</li>)}</ul></>}
      {(year !== null || countries.length > 0) && <dl class="status">
        {year !== null && <><dt>{t('meta.year')}</dt><dd data-testid="entity-year">{String(year)}</dd></>}
        {countries.length > 0 && <><dt>{t('meta.country')}</dt><dd>{countries.map(countryName).join(', ')}</dd></>}
      </dl>}
    </div>
  );
}
