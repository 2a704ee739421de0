import { useEffect, useState } from 'preact/hooks';
import { api, errorText, useApi } from '../api';
import { t, tn } from '../i18n';
import { clock, duration, num, dateTime } from '../format';
import { followLive, live } from '../live';
import { usePanel, acc } from '../context';
import { Art } from '../components/art';
import { EntityLink } from '../components/links';
import { StreamRow, type StreamItem } from '../components/stream';
import { Tile } from '../components/tiles';
import { HistoryEnds } from '../range';
import { dateIn, addDays, startOf } from '../zone';
import { href, navigate, type Route } from '../router';

interface NowPlaying {
  account: string; active: boolean; is_playing?: boolean; idle_reason: string | null; track_name?: string | null; track_uri?: string | null; artists?: string[];
  album_name?: string | null; album_art_url?: string | null; duration_ms?: number | null; progress_ms?: number | null; device_name?: string | null; observed_at?: number;
}
interface Today { plays_today: number; skips_today: number; listening_ms_today: number; streak_days: number; last_play_at: number | null; stored_plays: number }
interface TopItem { id: number; name: string; artist_name: string | null; artist_id?: number | null; plays: number; art_url: string | null }

/**
 * Now: what plays (progress advancing between updates), today's counters; when nothing plays, the
 * last play, the streak and this week's top artist and track; the last streams. Live over socket.io.
 */
export function NowPage(_: { route: Route }) {
  const ctx = usePanel();
  const [now, setNow] = useState<NowPlaying | null>(null);
  const [tick, setTick] = useState(Date.now());
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const q = acc(ctx);
  const today = useApi<Today>(`stats/today?${q}&v=${version}`);
  const recent = useApi<{ streams: StreamItem[] }>(`streams?limit=15&${q}&v=${version}`);
  const todayDate = dateIn(ctx.now, ctx.zone);
  const monday = addDays(todayDate, -((new Date(`${todayDate}T00:00:00Z`).getUTCDay() + 6) % 7));
  const week = `${q}&limit=1&from=${startOf(monday, ctx.zone)}&to=${ctx.now}`;
  const topArtist = useApi<{ items: TopItem[] }>(`stats/top/artists?${week}`);
  const topTrack = useApi<{ items: TopItem[] }>(`stats/top/tracks?${week}`);
  useEffect(() => {
    const unfollow = followLive<{ now_playing: NowPlaying[] }, NowPlaying>('nowplaying', (signal) => api(`now-playing?${q}`, { signal }), {
      onLoad: (r) => setNow(r.now_playing[0] ?? null),
      onPush: (n) => { if (n.account !== ctx.account) return false; setNow(n); return true; },
      onError: (e) => setError(e === null ? null : errorText(e)),
    });
    const socket = live();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const onStream = () => { if (!timer) timer = setTimeout(() => { timer = null; setVersion((v) => v + 1); }, 300); };
    socket.on('stream', onStream);
    const clockTimer = setInterval(() => setTick(Date.now()), 500);
    return () => { unfollow(); socket.off('stream', onStream); clearInterval(clockTimer); if (timer) clearTimeout(timer); };
  }, [ctx.account]);

  const progress = now?.active && now.progress_ms != null
    ? Math.min(now.duration_ms ?? Infinity, now.progress_ms + (now.is_playing ? tick - (now.observed_at ?? tick) : 0)) : 0;
  const d = today.data;
  const last = recent.data?.streams.find((s) => s.kind === 'play') ?? null;
  const artArg = now?.album_art_url ? `api/v1/art/now-playing/${encodeURIComponent(ctx.account)}?v=${encodeURIComponent(now.track_uri ?? now.track_name ?? '')}` : null;
  return (
    <section class="page now">
      {(error ?? today.error) && <p class="error" role="alert">{error ?? today.error}</p>}
      <div class="card now-card">
        {now?.active ? (
          <>
            <Art url={artArg} name={now.album_name ?? now.track_name ?? ''} size={160} class="cover" />
            <div class="meta">
              <h2 class="title" data-testid="now-title">{now.track_name}</h2>
              <p class="artists">{(now.artists ?? []).join(', ')}</p>
              {now.device_name && <p class="device">{t('now.on', { device: now.device_name })}</p>}
              <div class="progress" role="progressbar" aria-label={t('now.progress')} aria-valuemin={0} aria-valuemax={now.duration_ms ?? 0} aria-valuenow={progress}>
                <div class="bar" style={{ width: `${now.duration_ms ? (100 * progress) / now.duration_ms : 0}%` }} />
              </div>
              <p class="times">{clock(progress)} / {clock(now.duration_ms ?? 0)}</p>
            </div>
          </>
        ) : (
          <div class="meta idle">
            <p class="title" data-testid="now-title">{t(`now.${now?.idle_reason ?? 'idle'}`)}</p>
            {now?.idle_reason === 'not_polling' && <p><a href={href('settings')}>{t('now.connect')}</a></p>}
            {last && <p class="hint" data-testid="last-play">{t('now.last')} <EntityLink kind="track" id={last.track_id}>{last.track_name}</EntityLink>
              {last.artist_name ? ` · ${last.artist_name}` : ''} · {dateTime(last.ended_at, ctx.zone)}</p>}
          </div>
        )}
      </div>
      <HistoryEnds value="4w" ctx={ctx} onChange={(v) => navigate(href('overview', null, { range: v, account: ctx.accounts[0] === ctx.account ? null : ctx.account }))} />
      <div class="tiles" data-testid="today">
        <Tile label={t('now.today.plays')} value={num(d?.plays_today ?? 0)} testid="today-plays" />
        <Tile label={t('now.today.time')} value={duration(d?.listening_ms_today ?? 0)} />
        <Tile label={t('now.today.skips')} value={num(d?.skips_today ?? 0)} testid="today-skips" />
        <Tile label={t('now.streak')} value={tn('days', d?.streak_days ?? 0, { n: num(d?.streak_days ?? 0) })} />
        <Tile label={t('now.stored')} value={num(d?.stored_plays ?? 0)} testid="stored-plays" />
      </div>
      {(topArtist.data?.items[0] || topTrack.data?.items[0]) && <div class="card week" data-testid="week-top">
        <h3>{t('now.week')}</h3>
        <ul class="plain">
          {topArtist.data?.items[0] && <li><Art url={null} name={topArtist.data.items[0].name} size={32} />
            <span><small>{t('now.week.artist')}</small> <EntityLink kind="artist" id={topArtist.data.items[0].id}>{topArtist.data.items[0].name}</EntityLink>
              {' '}· {tn('plays', topArtist.data.items[0].plays, { n: num(topArtist.data.items[0].plays) })}</span></li>}
          {topTrack.data?.items[0] && <li><Art url={topTrack.data.items[0].art_url} name={topTrack.data.items[0].name} size={32} />
            <span><small>{t('now.week.track')}</small> <EntityLink kind="track" id={topTrack.data.items[0].id}>{topTrack.data.items[0].name}</EntityLink>
              {topTrack.data.items[0].artist_name ? ` · ${topTrack.data.items[0].artist_name}` : ''} · {tn('plays', topTrack.data.items[0].plays, { n: num(topTrack.data.items[0].plays) })}</span></li>}
        </ul>
      </div>}
      <div class="card">
        <h3>{t('now.recent')}</h3>
        {recent.data && recent.data.streams.length === 0 ? <p class="hint" data-testid="recent-empty">{ctx.span.streams === 0
          ? <>{t('empty.none.body')} <a href={href('settings')}>{t('empty.none.action')}</a></> : t('empty.filter')}</p>
          : <ul class="streams" data-testid="recent">{recent.data?.streams.map((s) => <StreamRow key={s.id} s={s} zone={ctx.zone} withDate />)}</ul>}
      </div>
    </section>
  );
}
