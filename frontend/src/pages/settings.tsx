import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, errorText, isAbort, post, useApi } from '../api';
import { has, t, tn } from '../i18n';
import { bytes, dateTime, num, pct } from '../format';
import { live } from '../live';
import { usePanel } from '../context';
import { href, type Route } from '../router';
import { dateIn } from '../zone';
import { checkCallback } from '../connect-url';
import { lazyPart } from '../lazy';

const EnrichmentCard = lazyPart(() => import('../components/metadata').then((m) => m.EnrichmentCard));

interface ConnectInfo {
  client_id_set: boolean; set_client_id_in: 'addon_configuration' | 'environment'; redirect_uri: string | null; scopes: string[];
  accounts: { account: string; display_name: string | null; state: 'no_client_id' | 'not_connected' | 'connected' | 'needs_reconnect'; reason: string | null; missing_scopes: string[] }[];
}
interface Health {
  store: { snapshot_bytes: number; last_snapshot_at: number | null; journal_records: number; totals: { account: string; plays: number; streams: number }[] };
  accounts: { account: string; sync_state: string; last_success_at: number | null; last_error: string | null }[];
}
interface FileReport { file: string; format: string | null; error: string | null; streams_stored: number; plays: number; skips: number; merged_duplicates: number;
  already_imported: number; rows_rejected: number; rejected: { index: number; reason: string }[] }
interface Job { state: 'running' | 'done' | 'failed'; bytes_done: number; bytes_total: number; files_done: number; files_total: number; error: string | null;
  report: { ok: boolean; error: string | null; files: FileReport[]; span: { from: number; to: number } | null;
    totals: { streams_stored: number; merged_duplicates: number; already_imported: number; rows_rejected: number; files_failed: number } } | null }
interface Library { roots: string[]; scanning: boolean; analysed?: number; matched?: number; failed?: number; gone?: number; failures?: { path: string; reason: string }[] }

/** Connect, reconnect and disconnect Spotify, in the words of the account's state. */
function ConnectCard() {
  const ctx = usePanel();
  const info = useApi<ConnectInfo>('connect');
  const [consent, setConsent] = useState<{ url: string; state: string } | null>(null);
  const [pasted, setPasted] = useState('');
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const data = info.data;
  const me = data?.accounts.find((a) => a.account === ctx.account);
  if (info.error) return <div class="card"><p class="error" role="alert">{info.error}</p></div>;
  if (!data || !me) return null;
  const start = async () => {
    setBusy(true); setMessage(null);
    try { const r = await post<{ url: string; state: string }>('auth/start', { account: ctx.account }); setConsent({ url: r.url, state: r.state }); }
    catch (e) { setMessage({ text: errorText(e), error: true }); } finally { setBusy(false); }
  };
  const finish = async () => {
    const problem = checkCallback(pasted, data.redirect_uri ?? '', consent?.state ?? null);
    if (problem) { setMessage({ text: t(problem.problem, { detail: problem.detail ?? '' }), error: true }); return; }
    setBusy(true);
    try {
      const r = await post<{ account: string; display_name: string | null }>('auth/finish', { url: pasted.trim() });
      setMessage({ text: t('connect.done', { name: r.display_name ?? r.account }), error: false }); setConsent(null); setPasted(''); info.reload();
    } catch (e) { setMessage({ text: errorText(e), error: true }); } finally { setBusy(false); }
  };
  const disconnect = async () => {
    setBusy(true);
    try { await post(`accounts/${encodeURIComponent(ctx.account)}/disconnect`, {}); setMessage({ text: t('connect.disconnected'), error: false }); info.reload(); }
    catch (e) { setMessage({ text: errorText(e), error: true }); } finally { setBusy(false); }
  };
  const redirect = <code class="copyable" data-testid="redirect-uri">{data.redirect_uri}</code>;
  const steps = (
    <ol class="steps">
      <li>{t('connect.step.redirect')} {redirect}</li>
      <li>{consent ? <a class="button primary" href={consent.url} target="_blank" rel="noopener noreferrer" data-testid="consent-link">{t('connect.open')}</a>
        : <button type="button" class="primary" onClick={start} disabled={busy} data-testid="connect-start">{t('connect.start')}</button>}
        <span class="hint"> {t('connect.step.consent')}</span></li>
      <li>{t('connect.step.paste')}
        <div class="row"><input type="url" value={pasted} placeholder={`${data.redirect_uri ?? ''}?code=…&state=…`} aria-label={t('connect.step.paste')} data-testid="connect-url"
          onInput={(e) => setPasted((e.target as HTMLInputElement).value)} />
          <button type="button" onClick={finish} disabled={!pasted || busy} data-testid="connect-finish">{t('connect.finish')}</button></div></li>
    </ol>
  );
  return (
    <div class="card" data-testid="connect" data-state={me.state}>
      <h3>{t('connect.title')}{ctx.accounts.length > 1 ? ` · ${ctx.account}` : ''}</h3>
      {me.state === 'no_client_id' && <>
        <p data-testid="no-client-id">{t(data.set_client_id_in === 'addon_configuration' ? 'connect.no_client_id.addon' : 'connect.no_client_id.env')}</p>
        <p>{t('connect.step.redirect')} {redirect}</p>
      </>}
      {me.state === 'not_connected' && <><p>{t('connect.not_connected')}</p>{steps}</>}
      {me.state === 'connected' && <>
        <p data-testid="connected-as">{t('connect.connected_as', { name: me.display_name ?? ctx.account })}</p>
        {me.missing_scopes.length > 0 && <p class="hint">{t('connect.missing_scopes')}</p>}
        <div class="row">{!consent && <button type="button" onClick={start} disabled={busy}>{t('connect.reconnect')}</button>}
          <button type="button" onClick={disconnect} disabled={busy} data-testid="disconnect">{t('connect.disconnect')}</button></div>
        {consent && steps}
      </>}
      {me.state === 'needs_reconnect' && <>
        <p class="error" data-testid="needs-reconnect">{t('connect.needs_reconnect')}</p>
        {consent ? steps : <button type="button" class="primary" onClick={start} disabled={busy}>{t('connect.reconnect')}</button>}
      </>}
      {message && <p class={message.error ? 'error' : 'ok'} role={message.error ? 'alert' : 'status'} data-testid="connect-message">{message.text}</p>}
    </div>
  );
}

/** What the import takes (the import card lists them), in the order people are likely to have them. */
const IMPORT_FORMATS = ['spotify', 'listenbrainz', 'maloja', 'scrobbler_log', 'lastfm_csv', 'panoscrobbler', 'vibescope'] as const;

/** The name of a detected file format (the report's `format`: extended, account-music, listenbrainz, …) for people. */
function formatName(format: string): string {
  const key = `import.format.${format.replace(/-/g, '_')}`;
  return has(key) ? t(key) : format;
}

/** Uploads with progress (XHR: fetch has no upload progress), resolving to the server's JSON. */
function upload(form: FormData, onProgress: (done: number, total: number) => void): { done: Promise<{ job_id: string }>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const done = new Promise<{ job_id: string }>((resolve, reject) => {
    xhr.open('POST', 'api/v1/imports');
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); };
    xhr.onload = () => {
      const body = xhr.response as { job_id?: string; error?: { code?: string; message?: string } } | null;
      if (xhr.status >= 200 && xhr.status < 300 && body?.job_id) resolve({ job_id: body.job_id });
      else reject(new ApiError(body?.error?.code ?? `HTTP_${xhr.status}`, body?.error?.message ?? `HTTP ${xhr.status}`, xhr.status));
    };
    xhr.onerror = () => reject(new ApiError('NETWORK', 'network', 0));
    xhr.onabort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}

/** Import: choose files, upload with progress (the button waits meanwhile), the per-file report with the user's own file names, a link to what was imported. */
function ImportCard({ onDone }: { onDone: () => void }) {
  const ctx = usePanel();
  const [files, setFiles] = useState<File[]>([]);
  const [phase, setPhase] = useState<'idle' | 'uploading' | 'importing' | 'done'>('idle');
  const [sent, setSent] = useState<[number, number]>([0, 0]);
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cancel = useRef<(() => void) | null>(null);
  useEffect(() => () => cancel.current?.(), []);
  const start = async (e: Event) => {
    e.preventDefault();
    if (files.length === 0 || phase === 'uploading' || phase === 'importing') return;
    const form = new FormData();
    for (const f of files) form.append('files', f, f.name);
    form.append('account', ctx.account);
    setPhase('uploading'); setError(null); setJob(null); setSent([0, files.reduce((a, f) => a + f.size, 0)]);
    const up = upload(form, (d, total) => setSent([d, total]));
    cancel.current = up.abort;
    try {
      const { job_id } = await up.done;
      setPhase('importing');
      let stop = false;
      cancel.current = () => { stop = true; };
      for (;;) {
        const j = await api<Job>(`imports/${encodeURIComponent(job_id)}`);
        if (stop) return;
        setJob(j);
        if (j.state !== 'running') break;
        await new Promise((r) => setTimeout(r, 400));
      }
      setPhase('done'); onDone();
    } catch (err) {
      if (isAbort(err)) return;
      setError(errorText(err)); setPhase('idle');
    }
  };
  const busy = phase === 'uploading' || phase === 'importing';
  const report = job?.report ?? null;
  const span = report?.span ?? null;
  const spanRange = span ? `c:${dateIn(span.from, ctx.zone)}:${dateIn(span.to, ctx.zone)}` : null;
  const accountOnly = report?.files.some((f) => f.format?.startsWith('account-')) && !report.files.some((f) => f.format === 'extended');
  return (
    <form class="card" onSubmit={start} data-testid="import">
      <h3>{t('import.title')}</h3>
      <p class="hint">{t('import.hint')}</p>
      <ul class="formats" data-testid="import-formats">{IMPORT_FORMATS.map((f) => <li key={f}>{t(`import.takes.${f}`)}</li>)}</ul>
      <div class="row">
        {/* No accept filter: files are recognised by their content, and phone pickers grey out names they do not know (.jsonl, .scrobbler.log). */}
        <input type="file" multiple data-testid="import-files" aria-label={t('import.choose')} disabled={busy}
          onChange={(e) => setFiles(Array.from((e.target as HTMLInputElement).files ?? []))} />
        <button type="submit" class={`primary ${busy ? 'busy' : ''}`} disabled={files.length === 0 || busy} aria-busy={busy} data-testid="import-start">
          {phase === 'uploading' ? t('import.uploading') : phase === 'importing' ? t('import.importing') : t('import.start')}</button>
      </div>
      {phase === 'uploading' && <><progress max={sent[1] || 1} value={sent[0]} data-testid="upload-progress" aria-label={t('import.uploading')} />
        <p class="hint">{t('import.sent', { pct: pct((100 * sent[0]) / Math.max(1, sent[1])) })}</p></>}
      {phase === 'importing' && job && <progress max={job.bytes_total || 1} value={job.bytes_done} aria-label={t('import.importing')} />}
      {error && <p class="error" role="alert">{error}</p>}
      {report && <div data-testid="import-report">
        <p data-testid="import-result" class={report.ok ? 'ok' : 'error'}>{report.ok ? t('import.done', { stored: num(report.totals.streams_stored),
          merged: num(report.totals.merged_duplicates), already: num(report.totals.already_imported), rejected: num(report.totals.rows_rejected) })
          : t('import.failed', { reason: report.error ?? job?.error ?? '' })}</p>
        <ul class="files" data-testid="import-files-report">{report.files.map((f) => (
          <li key={f.file} class={f.error ? 'error' : ''}><b>{f.file}</b>: {f.error ?? t('import.file', { stored: num(f.streams_stored), plays: num(f.plays), skips: num(f.skips),
            merged: num(f.merged_duplicates), already: num(f.already_imported), rejected: num(f.rows_rejected) })}
            {f.format && <div class="hint" data-testid="import-format">{t('import.read_as', { format: formatName(f.format) })}</div>}
            {f.rejected.slice(0, 5).map((r) => <div class="hint" key={r.index}>{t('import.row', { n: r.index + 1, reason: r.reason })}</div>)}</li>))}</ul>
        {accountOnly && <p class="hint">{t('lacks.account_export')}</p>}
        {spanRange && <a class="button primary" href={href('overview', null, { range: spanRange, account: ctx.accounts[0] === ctx.account ? null : ctx.account })}
          data-testid="import-span">{t('import.see', { from: dateTime(span!.from, ctx.zone), to: dateTime(span!.to, ctx.zone) })}</a>}
      </div>}
    </form>
  );
}

/** The time zone dates are shown in: Vibescope's configured one (default) or this browser's. */
function DisplayCard() {
  const ctx = usePanel();
  const browser = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const current = (() => { try { return localStorage.getItem('vibescope.zone') ?? 'server'; } catch { return 'server'; } })();
  const choose = (v: string) => { try { localStorage.setItem('vibescope.zone', v); } catch { /* private mode: this visit only */ } location.reload(); };
  return (
    <div class="card"><h3>{t('display.title')}</h3>
      <label class="row">{t('display.zone')}
        <select value={current} onChange={(e) => choose((e.target as HTMLSelectElement).value)} data-testid="zone">
          <option value="server">{t('display.zone.server', { zone: ctx.span.time_zone })}</option>
          <option value="browser">{t('display.zone.browser', { zone: browser })}</option>
        </select></label>
    </div>
  );
}

/** Settings: connect, import, display, music library, stored data. */
export function SettingsPage(_: { route: Route }) {
  const ctx = usePanel();
  const health = useApi<Health>('health');
  const library = useApi<Library>('library');
  useEffect(() => { const s = live(); const on = () => health.reload(); s.on('import', on); return () => { s.off('import', on); }; }, []);
  const sync = health.data?.accounts.find((a) => a.account === ctx.account);
  const totals = health.data?.store.totals.find((x) => x.account === ctx.account);
  const lib = library.data;
  const [scanError, setScanError] = useState<string | null>(null);
  return (
    <section class="page settings">
      <ConnectCard />
      <ImportCard onDone={() => health.reload()} />
      <DisplayCard />
      <EnrichmentCard />
      {lib && lib.roots.length > 0 && <div class="card" data-testid="library">
        <h3>{t('library.title')}</h3>
        <p>{lib.roots.join(', ')}</p>
        <p>{t('library.counts', { analysed: num(lib.analysed ?? 0), matched: num(lib.matched ?? 0), failed: num(lib.failed ?? 0), gone: num(lib.gone ?? 0) })}</p>
        <button type="button" disabled={lib.scanning} onClick={() => { post('library/scan', {}).then(() => setTimeout(() => library.reload(), 1000)).catch((e) => setScanError(errorText(e))); }}>
          {lib.scanning ? t('library.scanning') : t('library.scan')}</button>
        {scanError && <p class="error" role="alert">{scanError}</p>}
        {(lib.failures ?? []).length > 0 && <ul class="files">{(lib.failures ?? []).slice(0, 50).map((f) => <li key={f.path} class="error">{f.path}: {f.reason}</li>)}</ul>}
      </div>}
      {health.data && <div class="card" data-testid="data-status">
        <h3>{t('data.title')}</h3>
        <dl class="status">
          <dt>{t('data.plays')}</dt><dd data-testid="stored-plays">{num(totals?.plays ?? 0)}</dd>
          <dt>{t('data.streams')}</dt><dd>{num(totals?.streams ?? 0)}</dd>
          {sync && <><dt>{t('data.sync')}</dt><dd data-testid="sync-state">{t(`sync.${sync.sync_state}`)}{sync.last_success_at ? ` · ${t('data.last_sync', { when: dateTime(sync.last_success_at, ctx.zone) })}` : ''}</dd></>}
          <dt>{t('data.size')}</dt><dd>{bytes(health.data.store.snapshot_bytes)}</dd>
          <dt>{t('data.snapshot')}</dt><dd>{health.data.store.last_snapshot_at ? dateTime(health.data.store.last_snapshot_at, ctx.zone) : '—'}</dd>
          <dt>{t('data.journal')}</dt><dd>{tn('records', health.data.store.journal_records, { n: num(health.data.store.journal_records) })}</dd>
        </dl>
        <p class="hint">{t('data.more')} <a href={href('data', null, { account: ctx.accounts[0] === ctx.account ? null : ctx.account })}>{t('nav.data')}</a></p>
      </div>}
    </section>
  );
}
