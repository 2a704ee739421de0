import { useEffect, useState } from 'preact/hooks';
import { api, post } from '../api';
import { t } from '../i18n';
import { bytes, num, when } from '../format';
import { live } from '../live';

interface Health {
  store: { snapshot_bytes: number; last_snapshot_at: number | null; journal_records: number; totals: { account: string; plays: number }[] };
  accounts: { account: string; connected: boolean; needs_reconnect: boolean; sync_state: string; last_error: string | null }[];
}
interface Job { state: string; bytes_done: number; bytes_total: number; error: string | null;
  report: { totals: { streams_stored: number; merged_duplicates: number; rows_rejected: number };
    files: { file: string; error: string | null; streams_stored: number; plays: number; skips: number; merged_duplicates: number; rows_rejected: number;
      rejected: { index: number; reason: string }[] }[] } | null }

/** Settings: connect Spotify (paste-the-URL PKCE flow), import the export with progress, data status. */
export function SettingsPage({ account }: { account: string }) {
  const [health, setHealth] = useState<Health | null>(null);
  const [consent, setConsent] = useState<string | null>(null);
  const [pasted, setPasted] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [files, setFiles] = useState<FileList | null>(null);
  const [library, setLibrary] = useState<{ roots: string[]; scanning: boolean; analysed?: number; matched?: number; failed?: number; gone?: number;
    failures?: { path: string; reason: string }[] } | null>(null);
  const loadLibrary = () => api<NonNullable<typeof library>>('library').then(setLibrary).catch(() => setLibrary(null));
  useEffect(() => { loadLibrary(); }, []);
  const load = () => api<Health>('health').then(setHealth).catch((e: Error) => setMessage(t('error', { message: e.message })));
  useEffect(() => { load(); }, []);

  async function startConnect() {
    try { setConsent((await post<{ url: string }>('auth/start', { account })).url); setMessage(null); } catch (e) { setMessage(t('error', { message: (e as Error).message })); }
  }
  async function finishConnect() {
    try { const r = await post<{ account: string }>('auth/finish', { url: pasted }); setMessage(t('settings.connect.done', { account: r.account })); setConsent(null); load(); }
    catch (e) { setMessage(t('error', { message: (e as Error).message })); }
  }
  async function startImport(e: Event) {
    e.preventDefault();
    if (!files || files.length === 0) return;
    const form = new FormData();
    for (const f of Array.from(files)) form.append('files', f, f.name);
    form.append('account', account);
    try {
      const res = await fetch('api/v1/imports', { method: 'POST', body: form });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
      const poll = async () => {
        const j = await api<Job>(`imports/${body.job_id}`);
        setJob(j);
        if (j.state === 'running') setTimeout(poll, 300); else load();
      };
      poll();
    } catch (err) { setMessage(t('error', { message: (err as Error).message })); }
  }
  useEffect(() => { const s = live(); const on = () => load(); s.on('import', on); return () => { s.off('import', on); }; }, []);

  const acc = health?.accounts.find((a) => a.account === account);
  return (
    <section class="page settings">
      {message && <p class="message" role="status">{message}</p>}
      <div class="card">
        <h3>{t('settings.connect')} — {t('settings.account')} {account}</h3>
        {acc && <p>{t('settings.status.sync')}: <b data-testid="sync-state">{acc.sync_state}</b>{acc.last_error ? ` (${acc.last_error})` : ''}</p>}
        <ol class="steps">
          <li>{t('settings.connect.step1')} {consent
            ? <a href={consent} target="_blank" rel="noopener noreferrer">{t('settings.connect.open')}</a>
            : <button onClick={startConnect}>{t('settings.connect.open')}</button>}</li>
          <li>{t('settings.connect.step2')}</li>
          <li>{t('settings.connect.step3')}
            <div class="row"><input type="url" value={pasted} placeholder="http://127.0.0.1:8888/callback?code=…" aria-label={t('settings.connect.step3')}
              onInput={(e) => setPasted((e.target as HTMLInputElement).value)} />
            <button onClick={finishConnect} disabled={!pasted}>{t('settings.connect.finish')}</button></div></li>
        </ol>
      </div>
      <form class="card" onSubmit={startImport}>
        <h3>{t('settings.import')}</h3>
        <p class="hint">{t('settings.import.hint')}</p>
        <div class="row"><input type="file" multiple accept=".zip,.json" data-testid="import-files" aria-label={t('settings.import')}
          onChange={(e) => setFiles((e.target as HTMLInputElement).files)} />
        <button type="submit" disabled={!files || files.length === 0} data-testid="import-start">{t('settings.import.start')}</button></div>
        {job && <progress max={job.bytes_total || 1} value={job.state === 'running' ? job.bytes_done : job.bytes_total || 1} />}
        {job?.report && <p data-testid="import-result">{t('settings.import.done', { stored: num(job.report.totals.streams_stored),
          merged: num(job.report.totals.merged_duplicates), rejected: num(job.report.totals.rows_rejected) })}</p>}
        {job?.report && <ul class="files" data-testid="import-files-report">{job.report.files.map((f) => (
          <li key={f.file} class={f.error ? 'error' : ''}>{f.error ?? t('settings.import.file', { file: f.file.split(/[/:]/).pop() ?? f.file,
            stored: num(f.streams_stored), plays: num(f.plays), skips: num(f.skips), merged: num(f.merged_duplicates), rejected: num(f.rows_rejected) })}
            {f.rejected.slice(0, 5).map((r) => <div class="hint" key={r.index}>#{r.index}: {r.reason}</div>)}</li>))}</ul>}
      </form>
      {library && library.roots.length > 0 && <div class="card" data-testid="library">
        <h3>{t('settings.library')}</h3>
        <p>{library.roots.join(', ')}</p>
        <p>{t('settings.library.counts', { analysed: num(library.analysed ?? 0), matched: num(library.matched ?? 0), failed: num(library.failed ?? 0), gone: num(library.gone ?? 0) })}</p>
        <button disabled={library.scanning} onClick={() => { post('library/scan', {}).then(() => setTimeout(loadLibrary, 1000)); }}>{t('settings.library.scan')}</button>
        <ul class="files">{(library.failures ?? []).slice(0, 50).map((f) => <li key={f.path} class="error">{f.path}: {f.reason}</li>)}</ul>
      </div>}
      {health && <div class="card">
        <h3>{t('settings.status')}</h3>
        <dl class="status">
          <dt>{t('settings.status.plays')}</dt><dd data-testid="stored-plays">{num(health.store.totals.find((x) => x.account === account)?.plays ?? 0)}</dd>
          <dt>{t('settings.status.size')}</dt><dd>{bytes(health.store.snapshot_bytes)}</dd>
          <dt>{t('settings.status.snapshot')}</dt><dd>{health.store.last_snapshot_at ? when(health.store.last_snapshot_at) : '—'}</dd>
          <dt>{t('settings.status.journal')}</dt><dd>{num(health.store.journal_records)}</dd>
        </dl>
      </div>}
    </section>
  );
}
