import { useEffect, useState } from 'preact/hooks';
import { api, errorText, post, useApi } from '../api';
import { t, tn } from '../texts/data';
import { bytes, dateTime, num, timeOfDay } from '../format';
import { usePanel, acc } from '../context';
import { followLive } from '../live';
import { HistoryEnds, RangePicker, rangeLabel, rangeQuery, resolveRange, type ResolvedRange } from '../range';
import { href, useParam, type Route } from '../router';
import { useSetup, type Setup } from '../setup';
import { fetchFile, fileNameOf, saveBlob } from '../download';
import { Empty } from '../components/empty';

interface Summary { plays: number }
interface ScrobbleStatus {
  state: 'off' | 'idle' | 'sending' | 'backing_off' | 'rate_limited' | 'needs_token' | 'stopped';
  target: string | null; pending?: number; backfill_pending?: number; sent?: number; refused?: number;
  last_sent_at?: number | null; last_error?: string | null; retry_at?: number | null;
  live_source?: { user: string; last_poll_at: number | null; last_success_at: number | null; last_error: string | null;
    playing_now: { artist_name: string; track_name: string } | null } | null;
  /** Grows with every snapshot the server takes, from its start time in µs: of a REST answer and a push, the higher one is newer (across restarts too). */
  revision?: number;
}
/** The newer of two status snapshots (a REST answer can arrive after a newer socket push). */
const newer = (a: ScrobbleStatus | null | undefined, b: ScrobbleStatus | null | undefined): ScrobbleStatus | null =>
  !a ? b ?? null : !b ? a : (b.revision ?? 0) >= (a.revision ?? 0) ? b : a;
type Message = { text: string; error: boolean } | null;

const Note = ({ m, testid }: { m: Message; testid: string }) => (m ? <p class={m.error ? 'error' : 'ok'} role={m.error ? 'alert' : 'status'} data-testid={testid}>{m.text}</p> : null);

/** Streams of the range as CSV, JSON or ListenBrainz JSONL: plain links to the streamed exports (the browser saves them, the page stays). */
function ExportCard({ r, range, kind, setKind }: { r: ResolvedRange; range: string; kind: string; setKind: (k: string) => void }) {
  const ctx = usePanel();
  const q = `${acc(ctx)}&${rangeQuery(r)}&kind=${kind}`;
  // What the file will hold: every stream of the kind (music, podcasts, audiobooks), as the export selects them.
  const counted = useApi<{ total: number }>(ctx.span.streams > 0 ? `streams/count?${q}` : null);
  const count = counted.data?.total ?? null;
  if (ctx.span.streams === 0) return <Empty testid="export-empty" />;
  return (
    <div class="card" data-testid="export">
      <h3>{t('export.title')}</h3>
      <p class="hint">{t('export.hint')}</p>
      <label class="row">{t('export.kind')}
        <select value={kind} data-testid="export-kind" onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
          <option value="all">{t('history.kind.all')}</option><option value="play">{t('history.kind.play')}</option><option value="skip">{t('history.kind.skip')}</option>
        </select></label>
      {count !== null && <p data-testid="export-count">{tn(`export.count.${kind === 'play' ? 'play' : kind === 'skip' ? 'skip' : 'all'}`, count, { n: num(count), range: rangeLabel(range) })}</p>}
      {count === 0 ? <p class="hint">{t('empty.filter')}</p> : <div class="row">
        <a class="button" href={`api/v1/exports/streams.csv?${q}`} download data-testid="export-csv">{t('export.csv')}</a>
        <a class="button" href={`api/v1/exports/streams.json?${q}`} download data-testid="export-json">{t('export.json')}</a>
        {/* Skips are not listens: a ListenBrainz file of skips would be empty. */}
        {kind !== 'skip' && <a class="button" href={`api/v1/exports/streams.jsonl?${q}`} download data-testid="export-jsonl">{t('export.jsonl')}</a>}
      </div>}
      <p class="hint">{t('export.formats')}</p>
      <p class="hint">{t('export.import')} <a href={href('settings')}>{t('nav.settings')}</a></p>
    </div>
  );
}

/** M3U8 playlists of the range's top tracks or of its plays in order, made of your own matched music files; says how many had no file. */
function PlaylistCard({ r, setup }: { r: ResolvedRange; setup: Setup | null }) {
  const ctx = usePanel();
  const library = useApi<{ roots: string[] }>('library');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  if (ctx.span.streams === 0 || !library.data) return null;
  const save = async (what: 'top' | 'plays') => {
    setBusy(true); setMessage(null);
    try {
      const { res, blob } = await fetchFile(`exports/${what}.m3u8?${acc(ctx)}&${rangeQuery(r)}`);
      const missing = Number(res.headers.get('x-vibescope-missing-files') ?? 0);
      const entries = (await blob.text()).split('\n').filter((l) => l.startsWith('#EXTINF')).length;
      if (entries === 0) { setMessage({ text: tn('playlist.none', missing, { n: num(missing) }), error: false }); return; }
      const name = fileNameOf(res, `vibescope-${what}.m3u8`);
      saveBlob(blob, name);
      setMessage({ text: `${tn('playlist.saved', entries, { n: num(entries), name })}${missing ? ` ${tn('playlist.missing', missing, { n: num(missing) })}` : ''}`, error: false });
    } catch (e) { setMessage({ text: errorText(e), error: true }); } finally { setBusy(false); }
  };
  return (
    <div class="card" data-testid="playlists">
      <h3>{t('playlist.title')}</h3>
      {library.data.roots.length === 0 ? <p class="hint" data-testid="playlist-no-library">{setup && t('playlist.no_library', { option: setup.option('library_paths'), where: setup.where('library_paths') })}</p> : <>
        <p class="hint">{t('playlist.hint')}</p>
        <div class="row">
          <button type="button" disabled={busy} data-testid="playlist-top" onClick={() => save('top')}>{t('playlist.top')}</button>
          <button type="button" disabled={busy} data-testid="playlist-plays" onClick={() => save('plays')}>{t('playlist.plays')}</button>
        </div>
      </>}
      <Note m={message} testid="playlist-message" />
    </div>
  );
}

/** "Download a backup": POST /backup, saved as the file the server names; the page stays. */
function BackupCard() {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  const run = async () => {
    setBusy(true); setMessage(null);
    try {
      const { res, blob } = await fetchFile('backup', { method: 'POST' });
      const name = fileNameOf(res, 'vibescope-backup.tar.gz');
      saveBlob(blob, name);
      setMessage({ text: t('backup.done', { name, size: bytes(blob.size) }), error: false });
    } catch (e) { setMessage({ text: errorText(e), error: true }); } finally { setBusy(false); }
  };
  return (
    <div class="card" data-testid="backup">
      <h3>{t('backup.title')}</h3>
      <p class="hint">{t('backup.hint')}</p>
      <button type="button" class={busy ? 'busy' : ''} disabled={busy} aria-busy={busy} data-testid="backup-start" onClick={run}>
        {busy ? t('backup.working') : t('backup.start')}</button>
      <Note m={message} testid="backup-message" />
    </div>
  );
}

/** The sender's state as a sentence: what happens to your plays and, when something is needed, what to do. */
function stateText(s: ScrobbleStatus, setup: Setup, zone: string): string {
  const at = s.retry_at ? timeOfDay(s.retry_at, zone) : '';
  const target = s.target ?? '';
  switch (s.state) {
    case 'off': return t('scrobble.off', { url: setup.option('scrobble_url'), token: setup.option('scrobble_token'), where: setup.where('scrobble_url', 'scrobble_token') });
    case 'needs_token': return t('scrobble.needs_token', { target, token: setup.option('scrobble_token'), where: setup.where('scrobble_token'), restart: setup.restart });
    case 'sending': return t('scrobble.sending', { target });
    case 'backing_off': return t('scrobble.backing_off', { target, at });
    case 'rate_limited': return t('scrobble.rate_limited', { target, at });
    case 'stopped': return t('scrobble.stopped', { restart: setup.restart });
    default: return (s.pending ?? 0) + (s.backfill_pending ?? 0) > 0 ? t('scrobble.waiting', { target }) : t('scrobble.idle', { target });
  }
}

/** Scrobbling: the sender's state (live over the socket), the outbox's counts, "Send my history" for the range, the ListenBrainz live source. */
function ScrobbleCard({ r, range, plays, setup }: { r: ResolvedRange; range: string; plays: number | null; setup: Setup | null }) {
  const ctx = usePanel();
  // Every snapshot (REST answer, push, the backfill's answer) is merged by its revision: the newest wins.
  const [st, setSt] = useState<ScrobbleStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  const keep = (next: ScrobbleStatus) => setSt((prev) => newer(prev, next));
  useEffect(() => followLive<ScrobbleStatus, ScrobbleStatus>('scrobble', (signal) => api('scrobble/status', { signal }), {
    onLoad: keep, onPush: (p) => { keep(p); return true; }, onError: (e) => setError(e === null ? null : errorText(e)),
  }), []);
  if (error && !st) return <div class="card"><p class="error" role="alert">{error}</p></div>;
  if (!st || !setup) return null;
  const send = async () => {
    setBusy(true); setMessage(null); setConfirming(false);
    try {
      const to = Math.min(r.to, Date.now());
      const next = await post<ScrobbleStatus>('scrobble/backfill', { from: Math.max(0, r.from), to, account: ctx.account });
      keep(next);
      setMessage({ text: t('scrobble.queued', { n: num(next.backfill_pending ?? 0) }), error: false });
    } catch (e) { setMessage({ text: errorText(e), error: true }); } finally { setBusy(false); }
  };
  const src = st.live_source ?? null;
  return (
    <div class="card" data-testid="scrobble" data-state={st.state}>
      <h3>{t('scrobble.title')}</h3>
      <p class={st.state === 'needs_token' || st.state === 'stopped' ? 'notice' : ''} data-testid="scrobble-state">{stateText(st, setup, ctx.zone)}</p>
      {st.state !== 'off' && <>
        <dl class="status">
          <dt>{t('scrobble.pending')}</dt><dd data-testid="scrobble-pending">{num(st.pending ?? 0)}</dd>
          <dt>{t('scrobble.backfill_pending')}</dt><dd data-testid="scrobble-backfill-pending">{num(st.backfill_pending ?? 0)}</dd>
          <dt>{t('scrobble.sent')}</dt><dd>{num(st.sent ?? 0)}</dd>
          <dt>{t('scrobble.refused')}</dt><dd>{num(st.refused ?? 0)}</dd>
          <dt>{t('scrobble.last_sent')}</dt><dd>{st.last_sent_at ? dateTime(st.last_sent_at, ctx.zone) : '—'}</dd>
        </dl>
        {(st.state === 'backing_off' || st.state === 'stopped') && st.last_error && <p class="hint">{t('scrobble.last_problem', { message: st.last_error })}</p>}
        {ctx.span.plays > 0 && (confirming ? <div class="row" role="group">
          <span>{t('scrobble.confirm', { n: num(plays ?? 0), range: rangeLabel(range), target: st.target ?? '' })}</span>
          <button type="button" class="primary" data-testid="scrobble-send" onClick={send}>{t('scrobble.send')}</button>
          <button type="button" onClick={() => setConfirming(false)}>{t('scrobble.cancel')}</button>
        </div> : <div class="row"><button type="button" class={busy ? 'busy' : ''} disabled={busy || !plays} data-testid="scrobble-backfill"
          onClick={() => setConfirming(true)}>{t('scrobble.backfill')}</button></div>)}
      </>}
      <Note m={message} testid="scrobble-message" />
      {src && <div class="source" data-testid="listenbrainz-source">
        <h4>{t('scrobble.source.title')}</h4>
        <p>{src.last_success_at ? t('scrobble.source.read', { user: src.user, when: dateTime(src.last_success_at, ctx.zone) }) : t('scrobble.source.never', { user: src.user })}</p>
        {src.playing_now && <p>{t('scrobble.source.playing', { track: src.playing_now.track_name, artist: src.playing_now.artist_name })}</p>}
        {src.last_error && <p class="hint">{t('scrobble.source.problem', { message: src.last_error })}</p>}
      </div>}
    </div>
  );
}

/** Data: exports of the range (CSV, JSON, ListenBrainz JSONL, M3U8 playlists), a backup, scrobbling. */
export function DataPage({ route }: { route: Route }) {
  const ctx = usePanel();
  const setup = useSetup();
  const [range, setRange] = useParam(route, 'range', 'all');
  const [kind, setKind] = useParam(route, 'kind', 'all');
  const r = resolveRange(range, ctx);
  const summary = useApi<Summary>(ctx.span.streams > 0 ? `stats/summary?${acc(ctx)}&${rangeQuery(r)}` : null);
  return (
    <section class="page data">
      {ctx.span.streams > 0 && <div class="controls"><RangePicker value={range} onChange={setRange} ctx={ctx} /></div>}
      <HistoryEnds value={range} onChange={setRange} ctx={ctx} />
      {summary.error && <p class="error" role="alert">{summary.error}</p>}
      <div class="two">
        <ExportCard r={r} range={range} kind={['play', 'skip'].includes(kind) ? kind : 'all'} setKind={setKind} />
        <PlaylistCard r={r} setup={setup} />
        <ScrobbleCard r={r} range={range} plays={summary.data?.plays ?? null} setup={setup} />
        <BackupCard />
      </div>
    </section>
  );
}
