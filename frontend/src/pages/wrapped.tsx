import { useApi } from '../api';
import { t, tn } from '../i18n';
import { duration, longDate, monthName, num, pct } from '../format';
import { usePanel, acc } from '../context';
import { useParam, type Route } from '../router';
import { Art } from '../components/art';
import { EntityLink } from '../components/links';
import { Tile } from '../components/tiles';
import { Empty } from '../components/empty';

interface Item { id: number; name: string; artist_name: string | null; artist_id?: number | null; plays: number; ms_played: number; art_url: string | null }
interface Wrapped {
  year: number; totals: { plays: number; listening_ms: number; skips: number; distinct_tracks: number; distinct_artists: number; days_listened: number };
  top_artists: Item[]; top_tracks: Item[]; top_albums: Item[];
  top_month: { month: string; plays: number; ms_played: number } | null;
  longest_session: { started_at: number; ended_at: number; plays: number } | null;
  most_skipped: { id: number; name: string; artist_name: string | null; skips: number; skip_rate: number | null }[];
  discoveries: { new_artists: number; new_tracks: number; top_new_artists: { id: number; name: string; plays: number }[] };
  clock: number[];
}

function TopFive({ title, items, kind, testid, range }: { title: string; items: Item[]; kind: 'artist' | 'track' | 'album'; testid: string; range: string }) {
  return (
    <div class="card"><h3>{title}</h3>
      {items.length === 0 ? <p class="hint">{t('empty.filter')}</p> : <ol class="toplist" data-testid={testid}>{items.map((i, n) => <li key={i.id}>
        <span class="rank">{n + 1}</span><Art url={kind === 'artist' ? null : i.art_url} name={i.name} size={40} />
        <span class="what"><EntityLink kind={kind} id={i.id} range={range} class="title">{i.name}</EntityLink>
          {kind !== 'artist' && i.artist_name && <small><EntityLink kind="artist" id={i.artist_id} range={range}>{i.artist_name}</EntityLink></small>}</span>
        <span class="count">{tn('plays', i.plays, { n: num(i.plays) })}</span></li>)}</ol>}
    </div>
  );
}

/** The year in review for any year with data: totals, top 5s, top month, longest session, most-skipped, discoveries, listening clock. Printable. */
export function WrappedPage({ route }: { route: Route }) {
  const ctx = usePanel();
  const years = ctx.span.years;
  const [yearParam, setYear] = useParam(route, 'year', String(years.at(-1) ?? new Date(ctx.now).getFullYear()));
  const year = Number(yearParam);
  const { data: w, error } = useApi<Wrapped>(Number.isInteger(year) ? `wrapped/${year}?${acc(ctx)}` : null);
  const maxHour = Math.max(1, ...(w?.clock ?? []));
  return (
    <section class="page wrapped">
      <div class="controls">
        <select aria-label={t('wrapped.year')} value={yearParam} data-testid="wrapped-year" onChange={(e) => setYear((e.target as HTMLSelectElement).value)}>
          {(years.length ? [...years].reverse() : [year]).map((y) => <option key={y} value={String(y)}>{y}</option>)}
        </select>
        {w && w.totals.plays > 0 && <button type="button" class="no-print" onClick={() => window.print()}>{t('wrapped.print')}</button>}
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {w && w.totals.plays === 0 ? <Empty testid="wrapped-empty" what={t('wrapped.empty', { year })} /> : w && <>
        <h2 class="wrapped-title">{t('wrapped.title', { year: w.year })}</h2>
        <div class="tiles" data-testid="wrapped-totals">
          <Tile label={t('overview.plays')} value={num(w.totals.plays)} />
          <Tile label={t('overview.time')} value={duration(w.totals.listening_ms)} />
          <Tile label={t('wrapped.days')} value={num(w.totals.days_listened)} />
          <Tile label={t('overview.artists')} value={num(w.totals.distinct_artists)} />
          <Tile label={t('overview.tracks')} value={num(w.totals.distinct_tracks)} />
        </div>
        <div class="two">
          <TopFive title={t('wrapped.top_artists')} items={w.top_artists} kind="artist" testid="wrapped-artists" range={`y:${w.year}`} />
          <TopFive title={t('wrapped.top_tracks')} items={w.top_tracks} kind="track" testid="wrapped-tracks" range={`y:${w.year}`} />
          <TopFive title={t('wrapped.top_albums')} items={w.top_albums} kind="album" testid="wrapped-albums" range={`y:${w.year}`} />
          <div class="card"><h3>{t('wrapped.moments')}</h3><ul class="plain">
            {w.top_month && <li>{t('wrapped.top_month', { month: monthName(w.top_month.month, 'long'), time: duration(w.top_month.ms_played) })}</li>}
            {w.longest_session && <li>{t('wrapped.longest', { time: duration(w.longest_session.ended_at - w.longest_session.started_at),
              date: longDate(w.longest_session.started_at, ctx.zone), plays: tn('plays', w.longest_session.plays, { n: num(w.longest_session.plays) }) })}</li>}
            <li>{t('wrapped.discoveries', { artists: num(w.discoveries.new_artists), tracks: num(w.discoveries.new_tracks) })}</li>
            {w.discoveries.top_new_artists.length > 0 && <li>{t('wrapped.new_favourites')} {w.discoveries.top_new_artists.map((a, i) => <span key={a.id}>{i ? ', ' : ''}
              <EntityLink kind="artist" id={a.id}>{a.name}</EntityLink></span>)}</li>}
          </ul></div>
        </div>
        {w.most_skipped.length > 0 && !ctx.span.lacks.includes('skips') && <div class="card"><h3>{t('skips.tracks')}</h3><ol class="toplist">{w.most_skipped.map((s) => <li key={s.id}>
          <span class="what"><EntityLink kind="track" id={s.id} class="title">{s.name}</EntityLink>{s.artist_name && <small>{s.artist_name}</small>}</span>
          <span class="count">{tn('skips', s.skips, { n: num(s.skips) })}{s.skip_rate !== null && <small>{pct(s.skip_rate)}</small>}</span></li>)}</ol></div>}
        <div class="card"><h3>{t('wrapped.clock')}</h3>
          <div class="clock" data-testid="wrapped-clock" role="list">{w.clock.map((n, h) => <div key={h} class="hour" role="listitem" tabIndex={0}
            aria-label={`${String(h).padStart(2, '0')}:00 · ${tn('plays', n, { n: num(n) })}`} title={`${String(h).padStart(2, '0')}:00 · ${tn('plays', n, { n: num(n) })}`}>
            <span class="bar" style={{ height: `${Math.round((100 * n) / maxHour)}%` }} /><small>{h % 6 === 0 ? h : ''}</small></div>)}</div>
        </div>
      </>}
    </section>
  );
}
