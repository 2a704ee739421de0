import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, errorText } from './api';
import { lang, t } from './i18n';
import { Panel, type PanelContext, type Span } from './context';
import { navigate, setParams, useRoute, href } from './router';
import { HealthBanner } from './components/banner';
import { Search } from './components/search';
import { live } from './live';
import { NowPage } from './pages/now';
import { OverviewPage } from './pages/overview';
import { HistoryPage } from './pages/history';
import { TopPage } from './pages/top';
import { PatternsPage } from './pages/patterns';
import { SkipsPage } from './pages/skips';
import { MoodPage } from './pages/mood';
import { WrappedPage } from './pages/wrapped';
import { SettingsPage } from './pages/settings';
import { EntityPage } from './pages/entity';
import { lazyPage } from './lazy';
// uPlot's own styles live in the main stylesheet: a CSS file of a lazily loaded chunk is never linked.
import 'uplot/dist/uPlot.min.css';
import './styles.css';

document.documentElement.lang = lang;

const NAV = ['now', 'overview', 'history', 'top', 'genres', 'map', 'patterns', 'skips', 'mood', 'wrapped',
  'story', 'playlists',
  'data', 'settings'] as const;
const PAGES: Record<string, (props: { route: ReturnType<typeof useRoute> }) => preact.JSX.Element | null> = {
  now: NowPage, overview: OverviewPage, history: HistoryPage, top: TopPage, patterns: PatternsPage, skips: SkipsPage, mood: MoodPage,
  wrapped: WrappedPage, settings: SettingsPage,
  artist: (p) => <EntityPage kind="artist" route={p.route} />, track: (p) => <EntityPage kind="track" route={p.route} />,
  album: (p) => <EntityPage kind="album" route={p.route} />,
  // Pages that load their own code on the first visit (lazy.tsx).
  story: lazyPage(() => import('./pages/story').then((m) => m.StoryPage)),
  data: lazyPage(() => import('./pages/data').then((m) => m.DataPage)),
  genres: lazyPage(() => import('./pages/genres').then((m) => m.GenresPage)),
  map: lazyPage(() => import('./pages/map').then((m) => m.MapPage)),
  playlists: lazyPage(() => import('./pages/playlists').then((m) => m.PlaylistsPage)),
};
const STORED_ACCOUNT = 'vibescope.account';
const STORED_ZONE = 'vibescope.zone';
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The stored choice of an account or zone (localStorage may be off in a private window). */
const stored = (key: string) => { try { return localStorage.getItem(key); } catch { return null; } };
export const store = (key: string, value: string) => { try { localStorage.setItem(key, value); } catch { /* private mode: the URL still carries it */ } };

/**
 * The panel shell: account (URL, else the last chosen, else the first), its history span, header
 * with search and navigation, the health banner, and the page of the hash route. Changing account
 * remounts the page, so nothing of the previous account stays on screen.
 */
function App() {
  const route = useRoute();
  const [accounts, setAccounts] = useState<string[] | null>(null);
  const [span, setSpan] = useState<Span | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [spanVersion, setSpanVersion] = useState(0);
  const wanted = route.params.get('account');
  const account = accounts ? (wanted && accounts.includes(wanted) ? wanted : (() => { const s = stored(STORED_ACCOUNT); return s && accounts.includes(s) ? s : accounts[0]!; })()) : null;
  useEffect(() => {
    api<{ accounts: { account: string }[] }>('accounts').then((r) => setAccounts(r.accounts.map((a) => a.account))).catch((e) => setError(errorText(e)));
  }, []);
  useEffect(() => {
    if (!account) return undefined;
    const ctl = new AbortController();
    api<Span>(`span?account=${encodeURIComponent(account)}`, { signal: ctl.signal }).then((s) => { if (!ctl.signal.aborted) setSpan(s); })
      .catch((e) => { if (!ctl.signal.aborted && e.name !== 'AbortError') setError(errorText(e)); });
    return () => ctl.abort();
  }, [account, spanVersion]);
  useEffect(() => {
    // New streams or an import move the span (the hint, the years): refresh it, at most every few seconds.
    let timer: ReturnType<typeof setTimeout> | null = null;
    const bump = () => { if (!timer) timer = setTimeout(() => { timer = null; setSpanVersion((v) => v + 1); }, 3000); };
    const socket = live();
    socket.on('stream', bump); socket.on('import', bump);
    return () => { socket.off('stream', bump); socket.off('import', bump); if (timer) clearTimeout(timer); };
  }, []);
  const zonePref = stored(STORED_ZONE);
  // "Now" for relative ranges moves on with each page visit, not with every new stream (that would refetch and lose paging).
  const [now, setNow] = useState(Date.now());
  useEffect(() => setNow(Date.now()), [route.page, route.arg]);
  const ctx: PanelContext | null = useMemo(() => (account && span && span.account === account
    ? { account, accounts: accounts!, span, zone: zonePref === 'browser' ? browserZone : span.time_zone, now } : null), [account, span, zonePref, now]);
  const page = route.page in PAGES ? route.page : 'now';
  const Page = PAGES[page]!;
  const chooseAccount = (a: string) => { store(STORED_ACCOUNT, a); setSpan(null); setParams({ account: accounts && a !== accounts[0] ? a : null }); };
  useEffect(() => { if (route.page === '' && location.hash === '') return; if (!(route.page in PAGES)) navigate(href('now')); }, [route.page]);
  return (
    <>
      <a class="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>{t('skip_to_content')}</a>
      <header class="top">
        <div class="bar">
          <a class="brand" href={href('now')} aria-label="Vibescope">
            <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true"><path d="M3 12h2l2-6 3 12 3-9 2 5 2-2h4" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" /></svg>
            <span>Vibescope</span>
          </a>
          {ctx && <Panel.Provider value={ctx}><Search /></Panel.Provider>}
          {accounts && accounts.length > 1 && <select class="account" value={account ?? ''} aria-label={t('account')} data-testid="account"
            onChange={(e) => chooseAccount((e.target as HTMLSelectElement).value)}>{accounts.map((a) => <option key={a} value={a}>{a}</option>)}</select>}
        </div>
        <nav aria-label={t('nav.label')}>{NAV.map((p) => <a key={p} href={href(p, null, { account: wanted })} class={p === page ? 'active' : ''}
          aria-current={p === page ? 'page' : undefined}>{t(`nav.${p}`)}</a>)}</nav>
      </header>
      <main id="main" tabIndex={-1}>
        <HealthBanner />
        {error && <p class="error" role="alert">{error}</p>}
        {ctx ? <Panel.Provider value={ctx}><Page key={`${ctx.account}|${page}|${route.arg ?? ''}`} route={route} /></Panel.Provider>
          : !error && <p class="loading" aria-busy="true">{t('loading')}</p>}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
