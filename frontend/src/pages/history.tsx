import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText, isAbort, useApi } from '../api';
import { t } from '../i18n';
import { clock, dateTime, fullDate, num } from '../format';
import { usePanel, acc } from '../context';
import { HistoryEnds, RangePicker, rangeQuery, resolveRange } from '../range';
import { useParam, type Route } from '../router';
import { dateIn } from '../zone';
import { Empty } from '../components/empty';
import { StreamRow, type StreamItem } from '../components/stream';
import { Toggle } from '../components/toggle';
import { useDebounced } from '../components/search';
import { EntityLink } from '../components/links';

interface Page { streams: StreamItem[]; next: string | null }

/**
 * History: the listening log grouped by day (time only under each day header), searched as you type,
 * filtered by artist (suggestions by prefix) and kind, paged ("More"), with a result count
 * ("100 of 8,817"). Filters live in the URL.
 */
export function HistoryPage({ route }: { route: Route }) {
  const ctx = usePanel();
  const [range, setRange] = useParam(route, 'range', 'all');
  const [kind, setKind] = useParam(route, 'kind', 'all');
  const [view, setView] = useParam(route, 'view', 'timeline');
  const [qParam, setQParam] = useParam(route, 'q', '');
  const [artist, setArtist] = useParam(route, 'artist', '');
  const [typed, setTyped] = useState(qParam);
  const [artistTyped, setArtistTyped] = useState(artist);
  const search = useDebounced(typed.trim(), 300);
  useEffect(() => { if (search !== qParam) setQParam(search); }, [search]);
  // The URL changed by itself (Back, a link): the boxes follow it. Our own debounced writes match and change nothing.
  useEffect(() => { if (qParam !== search) setTyped(qParam); }, [qParam]);
  useEffect(() => { if (artist !== artistTyped.trim()) setArtistTyped(artist); }, [artist]);
  const artistPrefix = useDebounced(artistTyped.trim(), 200);
  const suggestions = useApi<{ artists: { id: number; name: string }[] }>(artistPrefix.length >= 1 && artistPrefix !== artist
    ? `search?${acc(ctx)}&kind=artist&limit=8&q=${encodeURIComponent(artistPrefix)}` : null);
  const r = resolveRange(range, ctx);
  const filters = new URLSearchParams({ account: ctx.account, from: String(r.from), to: String(r.to), kind });
  if (qParam) filters.set('q', qParam);
  if (artist) filters.set('artist', artist);
  const base = filters.toString();
  const first = useApi<Page>(`streams?limit=100&${base}`);
  const count = useApi<{ total: number }>(`streams/count?${base}`);
  const [more, setMore] = useState<{ base: string; rows: StreamItem[]; next: string | null; pages: number; loading: boolean; error: string | null }>({ base: '', rows: [], next: null, pages: 0, loading: false, error: null });
  const inFlight = useRef<AbortController | null>(null);
  useEffect(() => { inFlight.current?.abort(); setMore({ base, rows: [], next: null, pages: 0, loading: false, error: null }); }, [base]);
  useEffect(() => () => inFlight.current?.abort(), []);
  const rows = more.base === base ? [...(first.data?.streams ?? []), ...more.rows] : first.data?.streams ?? [];
  const next = more.base === base && more.pages > 0 ? more.next : first.data?.next ?? null;
  const loadMore = () => {
    if (!next) return;
    const ctl = new AbortController();
    inFlight.current?.abort();
    inFlight.current = ctl;
    setMore((m) => ({ ...m, loading: true }));
    api<Page>(`streams?limit=100&${base}&before=${encodeURIComponent(next)}`, { signal: ctl.signal })
      .then((p) => { if (!ctl.signal.aborted) setMore((m) => (m.base === base ? { base, rows: [...m.rows, ...p.streams], next: p.next, pages: m.pages + 1, loading: false, error: null } : m)); })
      .catch((e) => { if (!isAbort(e)) setMore((m) => ({ ...m, loading: false, error: errorText(e) })); });
  };
  const days: [string, StreamItem[]][] = [];
  for (const s of rows) {
    const day = dateIn(s.ended_at, ctx.zone);
    if (days.at(-1)?.[0] === day) days.at(-1)![1].push(s); else days.push([day, [s]]);
  }
  const chooseArtist = (name: string) => { setArtistTyped(name); setArtist(name); };
  return (
    <section class="page history">
      <div class="controls"><RangePicker value={range} onChange={setRange} ctx={ctx} /></div>
      <HistoryEnds value={range} onChange={setRange} ctx={ctx} />
      <div class="card filters">
        <div class="row">
          <input type="search" placeholder={t('history.search')} aria-label={t('history.search')} value={typed} data-testid="history-search"
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
          <input type="search" list="artist-suggestions" placeholder={t('history.artist')} aria-label={t('history.artist')} value={artistTyped} data-testid="history-artist"
            onInput={(e) => { const v = (e.target as HTMLInputElement).value; setArtistTyped(v);
              if (v === '' || suggestions.data?.artists.some((a) => a.name === v)) chooseArtist(v); }}
            onKeyDown={(e) => { if (e.key === 'Enter') chooseArtist((e.target as HTMLInputElement).value.trim()); }} />
          <datalist id="artist-suggestions">{suggestions.data?.artists.map((a) => <option key={a.id} value={a.name} />)}</datalist>
          <select value={kind} aria-label={t('history.kind')} data-testid="history-kind" onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            {['all', 'play', 'skip'].map((k) => <option key={k} value={k}>{t(`history.kind.${k}`)}</option>)}
          </select>
          <Toggle label={t('history.view')} value={view as 'timeline' | 'table'} onChange={setView}
            options={[['timeline', t('history.view.timeline')], ['table', t('history.view.table')]]} />
        </div>
        {count.data && <p class="count" data-testid="history-count" aria-live="polite">{t('history.count', { shown: num(rows.length), total: num(count.data.total) })}</p>}
      </div>
      {first.error && <p class="error" role="alert">{first.error}</p>}
      {first.data && rows.length === 0 && <Empty testid="history-empty" />}
      {view === 'table' ? (
        rows.length > 0 && <div class="card scroll"><table class="simple" data-testid="history-table">
          <thead><tr>{['time', 'track', 'artist', 'listened', 'kind'].map((c) => <th key={c}>{t(`history.col.${c}`)}</th>)}</tr></thead>
          <tbody>{rows.map((s) => <tr key={s.id} class={s.kind}><td>{dateTime(s.ended_at, ctx.zone)}</td>
            <td><EntityLink kind="track" id={s.track_id}>{s.track_name}</EntityLink></td>
            <td><EntityLink kind="artist" id={s.artist_id}>{s.artist_name ?? ''}</EntityLink></td><td>{clock(s.ms_played)}</td>
            <td>{s.kind === 'skip' ? <span class="badge">{t('skip')}</span> : t(`kind.${s.kind}`)}</td></tr>)}</tbody>
        </table></div>
      ) : (
        <div data-testid="history" class={first.loading ? 'stale' : ''} aria-busy={first.loading}>
          {days.map(([day, list]) => (
            <div class="card day" key={day}>
              <h3>{fullDate(list[0]!.ended_at, ctx.zone)}</h3>
              <ul class="streams">{list.map((s) => <StreamRow key={s.id} s={s} zone={ctx.zone} />)}</ul>
            </div>
          ))}
        </div>
      )}
      {more.error && <p class="error" role="alert">{more.error}</p>}
      {next && <button type="button" onClick={loadMore} disabled={more.loading} data-testid="more">{t('history.more')}</button>}
    </section>
  );
}
