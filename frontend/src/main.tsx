import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import { t } from './i18n';
import { NowPage } from './pages/now';
import { OverviewPage } from './pages/overview';
import { SettingsPage } from './pages/settings';
import { HistoryPage } from './pages/history';
import { TopPage } from './pages/top';
import { PatternsPage } from './pages/patterns';
import { SkipsPage } from './pages/skips';
import { MoodPage } from './pages/mood';
import './styles.css';

const PAGES = { now: NowPage, overview: OverviewPage, history: HistoryPage, top: TopPage, patterns: PatternsPage, skips: SkipsPage, mood: MoodPage, settings: SettingsPage } as const;
type PageName = keyof typeof PAGES;
const pageOf = (): PageName => { const p = location.hash.replace(/^#\/?/, ''); return (p in PAGES ? p : 'now') as PageName; };

/** The panel shell: hash routing (relative URLs keep working under ingress), account picker, navigation. */
function App() {
  const [page, setPage] = useState<PageName>(pageOf());
  const [accounts, setAccounts] = useState<string[]>([]);
  const [account, setAccount] = useState<string>('');
  useEffect(() => {
    const on = () => setPage(pageOf());
    window.addEventListener('hashchange', on);
    api<{ accounts: { account: string }[] }>('accounts').then((r) => { setAccounts(r.accounts.map((a) => a.account)); setAccount(r.accounts[0]?.account ?? 'default'); });
    return () => window.removeEventListener('hashchange', on);
  }, []);
  const Page = PAGES[page];
  return (
    <>
      <header class="top">
        <h1>Vibescope</h1>
        <nav>{(Object.keys(PAGES) as PageName[]).map((p) => <a key={p} href={`#/${p}`} class={p === page ? 'active' : ''} aria-current={p === page ? 'page' : undefined}>{t(`nav.${p}`)}</a>)}</nav>
        {accounts.length > 1 && <select value={account} aria-label="account" onChange={(e) => setAccount((e.target as HTMLSelectElement).value)}>
          {accounts.map((a) => <option key={a} value={a}>{a}</option>)}</select>}
      </header>
      <main>{account && <Page account={account} />}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
