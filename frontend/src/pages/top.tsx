import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { t } from '../i18n';
import { minutes, num } from '../format';
import { RangePicker, rangeOf } from '../range';

interface Item { rank: number; id: number; name: string; artist_name: string | null; image_url: string | null; plays: number; ms_played: number }

/** Top tracks, artists, albums by plays or time, with rank movement against the previous equal period. */
export function TopPage({ account }: { account: string }) {
  const [range, setRange] = useState('4w');
  const [what, setWhat] = useState<'tracks' | 'artists' | 'albums'>('tracks');
  const [by, setBy] = useState<'plays' | 'ms'>('plays');
  const [items, setItems] = useState<(Item & { move: number | null })[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const { from, to } = rangeOf(range);
    const q = `account=${account}&by=${by}`;
    Promise.all([api<{ items: Item[] }>(`stats/top/${what}?${q}&limit=50&from=${from}&to=${to}`),
      range === 'all' ? Promise.resolve({ items: [] as Item[] }) : api<{ items: Item[] }>(`stats/top/${what}?${q}&limit=200&from=${from - (to - from)}&to=${from - 1}`)])
      .then(([cur, prev]) => {
        const before = new Map(prev.items.map((i) => [i.id, i.rank]));
        setItems(cur.items.map((i) => ({ ...i, move: range === 'all' ? null : before.has(i.id) ? before.get(i.id)! - i.rank : null })));
        setError(null);
      }).catch((e: Error) => setError(e.message));
  }, [account, range, what, by]);
  return (
    <section class="page top">
      <RangePicker value={range} onChange={setRange} />
      <div class="ranges">
        {(['tracks', 'artists', 'albums'] as const).map((w) => <button key={w} class={w === what ? 'active' : ''} aria-pressed={w === what} onClick={() => setWhat(w)}>{t(`top.${w}`)}</button>)}
        {(['plays', 'ms'] as const).map((b) => <button key={b} class={b === by ? 'active' : ''} aria-pressed={b === by} onClick={() => setBy(b)}>{t(`top.by.${b}`)}</button>)}
      </div>
      {error && <p class="error" role="alert">{t('error', { message: error })}</p>}
      <ol class="card toplist" data-testid="top">
        {items.map((i) => (
          <li key={i.id}>
            <span class="rank">{i.rank}</span>
            <span class="move" title={t('overview.vs')}>{i.move === null ? (range === 'all' ? '' : t('top.new')) : i.move > 0 ? `▲${i.move}` : i.move < 0 ? `▼${-i.move}` : '–'}</span>
            <span class="what">{i.name}{what !== 'artists' && i.artist_name ? ` — ${i.artist_name}` : ''}</span>
            <span class="count">{by === 'plays' ? `${num(i.plays)} ${t('now.plays')}` : `${minutes(i.ms_played)} min`}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
