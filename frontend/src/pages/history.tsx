import { useEffect, useState } from 'preact/hooks';
import { api, type Stream } from '../api';
import { t, lang } from '../i18n';
import { clock, when } from '../format';
import { RangePicker, rangeOf } from '../range';

const dayFormat = new Intl.DateTimeFormat(lang, { dateStyle: 'full' });

/** History: the listening log grouped by day, filtered, paged by cursor ("more"). */
export function HistoryPage({ account }: { account: string }) {
  const [kind, setKind] = useState('all');
  const [range, setRange] = useState('all');
  const [view, setView] = useState<'timeline' | 'table'>('timeline');
  const [q, setQ] = useState('');
  const [artist, setArtist] = useState('');
  const [rows, setRows] = useState<(Stream & { source: string })[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = (before: string | null) => {
    const { from, to } = rangeOf(range);
    const params = new URLSearchParams({ account, limit: '100', kind, from: String(from), to: String(to) });
    if (q) params.set('q', q);
    if (artist) params.set('artist', artist);
    if (before) params.set('before', before);
    api<{ streams: (Stream & { source: string })[]; next: string | null }>(`streams?${params}`)
      .then((r) => { setRows((old) => (before ? [...old, ...r.streams] : r.streams)); setNext(r.next); setError(null); })
      .catch((e: Error) => setError(e.message));
  };
  useEffect(() => load(null), [account, kind, q, artist, range]);
  const days = new Map<string, typeof rows>();
  for (const r of rows) { const key = dayFormat.format(new Date(r.ended_at)); days.set(key, [...(days.get(key) ?? []), r]); }
  return (
    <section class="page history">
      <RangePicker value={range} onChange={setRange} />
      <div class="card filters">
        <div class="row">
          <input type="search" placeholder={t('history.search')} aria-label={t('history.search')} value={q} onChange={(e) => setQ((e.target as HTMLInputElement).value)} />
          <input type="search" placeholder={t('history.artist')} aria-label={t('history.artist')} value={artist} onChange={(e) => setArtist((e.target as HTMLInputElement).value)} />
          <select value={kind} aria-label={t('history.kind')} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            {['all', 'play', 'skip'].map((k) => <option key={k} value={k}>{t(`history.kind.${k}`)}</option>)}
          </select>
          {(['timeline', 'table'] as const).map((v) => <button key={v} class={v === view ? 'active' : ''} aria-pressed={v === view} onClick={() => setView(v)}>{t(`history.view.${v}`)}</button>)}
        </div>
      </div>
      {error && <p class="error" role="alert">{t('error', { message: error })}</p>}
      {rows.length === 0 && !error && <div class="card empty"><h3>{t('empty.title')}</h3><p>{t('empty.body')}</p></div>}
      {view === 'table' ? (
        <div class="card scroll"><table class="simple" data-testid="history-table">
          <thead><tr>{['time', 'track', 'artist', 'listened', 'kind', 'source'].map((c) => <th key={c}>{t(`history.col.${c}`)}</th>)}</tr></thead>
          <tbody>{rows.map((s) => <tr key={s.id} class={s.kind}><td>{when(s.ended_at)}</td><td>{s.track_name}</td><td>{s.artist_name ?? ''}</td>
            <td>{clock(s.ms_played)}</td><td>{s.kind === 'skip' ? <span class="badge">{t('now.skip')}</span> : t(`history.kind.${s.kind === 'play' ? 'play' : 'all'}`)}</td><td>{s.source}</td></tr>)}</tbody>
        </table></div>
      ) : <div data-testid="history">
        {[...days].map(([day, list]) => (
          <div class="card" key={day}>
            <h3>{day}</h3>
            <ul class="streams">
              {list.map((s) => (
                <li key={s.id} class={s.kind}>
                  {s.image_url ? <img class="thumb" src={s.image_url} alt="" loading="lazy" /> : <span class="thumb" />}
                  <span class="when">{when(s.ended_at)}</span>
                  <span class="what">{s.track_name}{s.artist_name ? ` — ${s.artist_name}` : ''}</span>
                  <span class="dur">{clock(s.ms_played)}</span>
                  {s.kind === 'skip' && <span class="badge">{t('now.skip')}</span>}
                  <span class="source">{s.source}</span>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </div>}
      {next && <button onClick={() => load(next)} data-testid="more">{t('history.more')}</button>}
    </section>
  );
}
