import { useEffect, useState } from 'preact/hooks';
import { api, errorText, post, useApi } from '../api';
import { t, tn } from '../texts/playlists';
import { dateTime, duration, num, pct } from '../format';
import { usePanel, acc } from '../context';
import { href, type Route } from '../router';
import { Art } from '../components/art';
import { EntityLink } from '../components/links';

interface Feedback { hit_rate: number | null; skip_rate: number | null; final: boolean }
interface RunSummary { id: number; kind: 'vibe' | 'mixtape'; trigger: string; dry_run: boolean; status: 'running' | 'success' | 'failed'; started_at: number;
  ended_at: number | null; totals: { total: number; new: number; reused: number }; duration_ms: number; name: string | null; spotify_url: string | null;
  m3u_tracks: number; error: string | null; feedback: Feedback }
interface RunTrack { position: number; name: string; artist_name: string | null; why: string; is_new: boolean; track_id: number | null; art_url: string | null }
interface Run extends RunSummary { tracks: RunTrack[] }
interface Status { enabled: boolean; can_write: boolean; scope_missing: boolean; running_run_id: number | null; next_run_at: number | null; size: number }

const rate = (v: number | null) => (v === null ? '—' : pct(v * 100));

/** One generated list: its tracks with cover art and why each is there, the Spotify and M3U links. */
function LatestList({ id }: { id: number }) {
  const { zone } = usePanel();
  const { data: run, error } = useApi<Run>(`playlists/runs/${id}`);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!run) return <p class="loading" aria-busy="true">{t('loading')}</p>;
  return (
    <div class="card" data-testid="latest-playlist">
      <div class="card-head"><h3>{run.name ?? t('pl.untitled')}</h3>
        <small>{dateTime(run.started_at, zone)}{run.dry_run ? ` · ${t('pl.dry')}` : ''}</small></div>
      <p>{tn('pl.tracks', run.totals.total, { n: num(run.totals.total) })} · {tn('pl.new', run.totals.new, { n: num(run.totals.new) })} · {duration(run.duration_ms)}</p>
      <div class="row">
        {run.spotify_url && <a class="button" href={run.spotify_url} target="_blank" rel="noopener noreferrer">{t('pl.open_spotify')}</a>}
        {run.m3u_tracks > 0 && <a class="button" href={`api/v1/playlists/runs/${run.id}/m3u`} download data-testid="m3u">{t('pl.m3u', { n: num(run.m3u_tracks) })}</a>}
      </div>
      {run.status === 'failed' && <p class="error">{run.error ?? t('pl.failed')}</p>}
      <ol class="toplist playlist" data-testid="playlist-tracks">
        {run.tracks.map((tr) => <li key={tr.position}>
          <span class="rank">{tr.position + 1}</span>
          <Art url={tr.art_url} name={tr.name} size={44} />
          <span class="what">
            {tr.track_id ? <EntityLink kind="track" id={tr.track_id} class="title">{tr.name}</EntityLink> : <span class="title">{tr.name}</span>}
            {tr.artist_name && <small>{tr.artist_name}</small>}
            <small class="why" data-testid="why">{tr.why}</small>
          </span>
          {tr.is_new && <span class="count"><small class="move new">{t('pl.is_new')}</small></span>}
        </li>)}
      </ol>
    </div>
  );
}

/** Playlists: generate (or try) a vibe playlist, the latest list and the run history with hit and skip rates. */
export function PlaylistsPage(_: { route: Route }) {
  const ctx = usePanel();
  const status = useApi<Status>(`playlists/status?${acc(ctx)}`);
  const runs = useApi<{ runs: RunSummary[] }>(`playlists/runs?${acc(ctx)}&limit=20`);
  const [busy, setBusy] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const s = status.data;
  useEffect(() => {
    // While a run is going, ask for it every 1.5 s; then show the new list.
    const id = busy ?? s?.running_run_id ?? null;
    if (id === null) return undefined;
    const timer = setInterval(() => {
      api<RunSummary>(`playlists/runs/${id}`).then((r) => { if (r.status !== 'running') { setBusy(null); status.reload(); runs.reload(); } }).catch(() => undefined);
    }, 1500);
    return () => clearInterval(timer);
  }, [busy, s?.running_run_id]);
  const start = (dryRun: boolean) => {
    setError(null);
    post<RunSummary>('playlists/runs', { account: ctx.account, dry_run: dryRun }).then((r) => setBusy(r.id)).catch((e) => setError(errorText(e)));
  };
  const going = busy !== null || (s?.running_run_id ?? null) !== null;
  const list = runs.data?.runs ?? [];
  const latest = list.find((r) => r.status !== 'running' && r.totals.total > 0);
  if (status.error) return <section class="page playlists"><p class="error" role="alert">{status.error}</p></section>;
  return (
    <section class="page playlists">
      <div class="card" data-testid="playlist-actions">
        <h3>{t('pl.title')}</h3>
        {s && !s.enabled && <p data-testid="playlists-off">{t('pl.off')}</p>}
        {s?.scope_missing && <p class="hint-card" data-testid="scope-missing">{t('pl.scope')} <a href={href('settings')}>{t('nav.settings')}</a></p>}
        {s && !s.can_write && !s.scope_missing && <p class="hint" data-testid="cannot-write">{t('pl.cannot_write')}</p>}
        <p class="hint">{t('pl.intro', { n: num(s?.size ?? 30) })}</p>
        <div class="row">
          <button type="button" class="primary" data-testid="generate" disabled={going || !s?.can_write} onClick={() => start(false)}>{t('pl.generate')}</button>
          <button type="button" data-testid="dry-run" disabled={going} onClick={() => start(true)}>{t('pl.dry_run')}</button>
        </div>
        {going && <p role="status" aria-busy="true" data-testid="run-going">{t('pl.going')}</p>}
        {error && <p class="error" role="alert">{error}</p>}
        {s?.next_run_at && s.enabled && <p class="hint">{t('pl.next', { when: dateTime(s.next_run_at, ctx.zone) })}</p>}
      </div>
      {runs.data && list.length === 0 && <div class="card empty" data-testid="playlists-empty"><p>{ctx.span.plays === 0 ? t('pl.empty.no_history') : t('pl.empty.none')}</p>
        {ctx.span.plays === 0 && <a class="button primary" href={href('settings')}>{t('empty.none.action')}</a>}</div>}
      {latest && <LatestList key={latest.id} id={latest.id} />}
      {list.length > 0 && <div class="card">
        <h3>{t('pl.history')}</h3>
        <p class="hint">{t('pl.history.hint')}</p>
        <div class="table-wrap"><table class="runs" data-testid="run-history">
          <thead><tr><th>{t('pl.col.when')}</th><th>{t('pl.col.list')}</th><th>{t('pl.col.hit')}</th><th>{t('pl.col.skip')}</th></tr></thead>
          <tbody>{list.map((r) => <tr key={r.id} data-run={r.id}>
            <td>{dateTime(r.started_at, ctx.zone)}</td>
            <td>{t(`pl.kind.${r.kind}`)}{r.dry_run ? ` · ${t('pl.dry')}` : ''} · {r.status === 'success' ? tn('pl.tracks', r.totals.total, { n: num(r.totals.total) }) : t(`pl.status.${r.status}`)}</td>
            <td data-testid="hit-rate">{rate(r.feedback.hit_rate)}{r.feedback.hit_rate !== null && !r.feedback.final ? ` ${t('pl.so_far')}` : ''}</td>
            <td data-testid="skip-rate">{rate(r.feedback.skip_rate)}</td>
          </tr>)}</tbody>
        </table></div>
      </div>}
    </section>
  );
}
