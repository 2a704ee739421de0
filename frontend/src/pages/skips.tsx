import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { t } from '../i18n';
import { num } from '../format';
import { RangePicker, rangeOf } from '../range';
import { Heatmap } from './patterns';

interface Row { id: number; name: string; artist_name?: string | null; skips: number; plays: number; skip_rate: number | null }
interface Skips { early_skips: number; later_skips: number; plays: number; tracks: Row[]; artists: Row[] }

/** Skips: most-skipped tracks and artists, skip rate by weekday × hour, early (< 10 s) vs later skips. */
export function SkipsPage({ account }: { account: string }) {
  const [range, setRange] = useState('6m');
  const [data, setData] = useState<Skips | null>(null);
  const [rate, setRate] = useState<number[][] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const { from, to } = rangeOf(range);
    const q = `account=${account}&from=${from}&to=${to}`;
    Promise.all([api<Skips>(`stats/skips?${q}&limit=15`), api<{ plays: number[][]; skips: number[][] }>(`stats/heatmap?${q}`)])
      .then(([s, h]) => {
        setData(s);
        setRate(h.skips.map((row, d) => row.map((k, i) => { const p = h.plays[d]![i]!; return k + p === 0 ? 0 : (100 * k) / (k + p); })));
        setError(null);
      }).catch((e: Error) => setError(e.message));
  }, [account, range]);
  const total = data ? data.early_skips + data.later_skips : 0;
  return (
    <section class="page skips">
      <RangePicker value={range} onChange={setRange} />
      {error && <p class="error" role="alert">{t('error', { message: error })}</p>}
      {data && <div class="tiles" data-testid="skip-tiles">
        <div class="tile card"><span>{t('skips.total')}</span><b>{num(total)}</b><small>{total + data.plays ? `${Math.round((100 * total) / (total + data.plays))} %` : ''}</small></div>
        <div class="tile card"><span>{t('skips.early')}</span><b>{num(data.early_skips)}</b></div>
        <div class="tile card"><span>{t('skips.later')}</span><b>{num(data.later_skips)}</b></div>
      </div>}
      {rate && <div class="card"><h3>{t('skips.rate')}</h3><Heatmap grid={rate} testid="skip-heatmap" /></div>}
      {data && ([['skips.tracks', data.tracks], ['skips.artists', data.artists]] as const).map(([title, rows]) => (
        <div class="card" key={title}><h3>{t(title)}</h3>
          <ol class="toplist" data-testid={title}>{rows.map((r) => <li key={r.id}>
            <span class="what">{r.name}{r.artist_name && title === 'skips.tracks' ? ` — ${r.artist_name}` : ''}</span>
            <span class="count">{num(r.skips)} × {r.skip_rate === null ? '' : `(${r.skip_rate} %)`}</span></li>)}</ol>
        </div>
      ))}
    </section>
  );
}
