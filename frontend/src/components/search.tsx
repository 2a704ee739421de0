import { useEffect, useRef, useState } from 'preact/hooks';
import { useApi } from '../api';
import { t, tn } from '../i18n';
import { num } from '../format';
import { href, navigate } from '../router';
import { usePanel, acc } from '../context';
import { Art } from './art';

interface Hit { kind: 'artist' | 'track' | 'album'; id: number; name: string; artist_name: string | null; plays: number; art_url: string | null }
interface Results { artists: Hit[]; tracks: Hit[]; albums: Hit[] }

/** Debounces a value (ms). */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => { const id = setTimeout(() => setV(value), ms); return () => clearTimeout(id); }, [value, ms]);
  return v;
}

/** The header search: artists, tracks and albums as you type (debounced); Enter or a click opens the page. */
export function Search() {
  const ctx = usePanel();
  const [q, setQ] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const query = useDebounced(q.trim(), 250);
  const { data } = useApi<Results>(query.length >= 1 && open ? `search?${acc(ctx)}&limit=4&q=${encodeURIComponent(query)}` : null);
  const hits = data ? [...data.artists, ...data.tracks, ...data.albums] : [];
  useEffect(() => { setActive(0); }, [query]);
  useEffect(() => {
    const close = (e: Event) => { if (box.current && !box.current.contains(e.target as Node)) setOpen(false); };
    document.addEventListener('pointerdown', close);
    return () => document.removeEventListener('pointerdown', close);
  }, []);
  const go = (h: Hit) => { setOpen(false); setQ(''); navigate(href(h.kind, h.id)); };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') { e.preventDefault(); setActive((a) => Math.min(hits.length - 1, a + 1)); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); setActive((a) => Math.max(0, a - 1)); }
    else if (e.key === 'Enter' && hits[active]) { e.preventDefault(); go(hits[active]!); }
    else if (e.key === 'Escape') setOpen(false);
  };
  return (
    <div class="search" ref={box}>
      <input type="search" value={q} placeholder={t('search.placeholder')} aria-label={t('search.placeholder')} role="combobox"
        aria-expanded={open && hits.length > 0} aria-controls="search-results" aria-autocomplete="list" data-testid="search"
        onInput={(e) => { setQ((e.target as HTMLInputElement).value); setOpen(true); }} onFocus={() => setOpen(true)} onKeyDown={onKey} />
      {open && query.length >= 1 && data && (
        <ul id="search-results" class="results card" role="listbox" data-testid="search-results">
          {hits.length === 0 && <li class="none">{t('search.none')}</li>}
          {hits.map((h, i) => (
            <li key={`${h.kind}${h.id}`} role="option" aria-selected={i === active} class={i === active ? 'active' : ''}
              onPointerDown={(e) => { e.preventDefault(); go(h); }}>
              <Art url={h.art_url} name={h.name} size={32} />
              <span class="what"><b>{h.name}</b><small>{t(`search.kind.${h.kind}`)}{h.artist_name ? ` · ${h.artist_name}` : ''} · {tn('plays', h.plays, { n: num(h.plays) })}</small></span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
