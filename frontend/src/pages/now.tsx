import { useEffect, useState } from 'preact/hooks';
import { api, type NowPlaying, type Stream } from '../api';
import { t } from '../i18n';
import { clock, minutes, num, when } from '../format';
import { live } from '../live';

interface Today { plays_today: number; skips_today: number; listening_ms_today: number }

/** Now: what plays (progress advancing smoothly between updates), today's counters, the last streams. Live over socket.io. */
export function NowPage({ account }: { account: string }) {
  const [now, setNow] = useState<NowPlaying | null>(null);
  const [today, setToday] = useState<Today | null>(null);
  const [recent, setRecent] = useState<Stream[]>([]);
  const [tick, setTick] = useState(Date.now());
  const [error, setError] = useState<string | null>(null);

  const refresh = () => {
    api<{ now_playing: NowPlaying[] }>(`now-playing?account=${account}`).then((r) => setNow(r.now_playing[0] ?? null)).catch((e: Error) => setError(e.message));
    api<Today>(`stats/today?account=${account}`).then(setToday).catch((e: Error) => setError(e.message));
    api<{ streams: Stream[] }>(`streams?limit=15&account=${account}`).then((r) => setRecent(r.streams)).catch((e: Error) => setError(e.message));
  };
  useEffect(() => {
    refresh();
    const socket = live();
    const onNow = (n: NowPlaying) => { if (n.account === account) setNow(n); };
    const onStream = () => refresh();
    socket.on('nowplaying', onNow);
    socket.on('stream', onStream);
    const timer = setInterval(() => setTick(Date.now()), 500);
    return () => { socket.off('nowplaying', onNow); socket.off('stream', onStream); clearInterval(timer); };
  }, [account]);

  const progress = now?.active && now.progress_ms != null
    ? Math.min(now.duration_ms ?? Infinity, now.progress_ms + (now.is_playing ? tick - (now.observed_at ?? tick) : 0)) : 0;
  return (
    <section class="page now">
      {error && <p class="error" role="alert">{t('error', { message: error })}</p>}
      <div class="card now-card">
        {now?.active ? (
          <>
            {now.album_art_url ? <img class="art" src={now.album_art_url} alt={now.album_name ?? ''} /> : <div class="art placeholder" />}
            <div class="meta">
              <h2 class="title" data-testid="now-title">{now.track_name}</h2>
              <p class="artists">{(now.artists ?? []).join(', ')}</p>
              {now.device_name && <p class="device">{t('now.on', { device: now.device_name })}</p>}
              <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={now.duration_ms ?? 0} aria-valuenow={progress}>
                <div class="bar" style={{ width: `${now.duration_ms ? (100 * progress) / now.duration_ms : 0}%` }} />
              </div>
              <p class="times">{clock(progress)} / {clock(now.duration_ms ?? 0)}</p>
            </div>
          </>
        ) : <p class="idle" data-testid="now-title">{t(`now.${now?.idle_reason ?? 'idle'}`)}</p>}
      </div>
      <div class="card today">
        <h3>{t('now.today')}</h3>
        <div class="tiles">
          <div class="tile"><b data-testid="today-plays">{num(today?.plays_today ?? 0)}</b><span>{t('now.plays')}</span></div>
          <div class="tile"><b>{minutes(today?.listening_ms_today ?? 0)}</b><span>{t('now.minutes')}</span></div>
          <div class="tile"><b data-testid="today-skips">{num(today?.skips_today ?? 0)}</b><span>{t('now.skips')}</span></div>
        </div>
      </div>
      <div class="card">
        <h3>{t('now.recent')}</h3>
        <ul class="streams" data-testid="recent">
          {recent.map((s) => (
            <li key={s.id} class={s.kind}>
              <span class="when">{when(s.ended_at)}</span>
              <span class="what">{s.track_name}{s.artist_name ? ` — ${s.artist_name}` : ''}</span>
              {s.kind === 'skip' && <span class="badge">{t('now.skip')}</span>}
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
