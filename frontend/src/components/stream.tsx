import { t } from '../i18n';
import { clock, dateTime, timeOfDay } from '../format';
import { Art } from './art';
import { EntityLink } from './links';

/** A stream as the log endpoints return it (with links and art). */
export interface StreamItem {
  id: number; ended_at: number; ms_played: number; kind: 'play' | 'skip' | 'other'; track_id: number; track_name: string;
  artist_name: string | null; artist_id?: number | null; album_name: string | null; album_id?: number | null; art_url: string | null;
}

/**
 * One row of the log in two lines: title · artist (links), then time · listened · skip badge. Art only
 * when there is some (no placeholder thumbnails); the time alone when a day header says the date.
 */
export function StreamRow({ s, zone, withDate = false }: { s: StreamItem; zone: string; withDate?: boolean }) {
  return (
    <li class={`stream ${s.kind}`} data-stream={s.id}>
      {s.art_url && <Art url={s.art_url} name={s.album_name ?? s.track_name} size={40} />}
      <div class="lines">
        <div class="l1"><EntityLink kind="track" id={s.track_id} class="title">{s.track_name}</EntityLink>
          {s.artist_name && <><span class="sep"> · </span><EntityLink kind="artist" id={s.artist_id} class="who">{s.artist_name}</EntityLink></>}</div>
        <div class="l2"><time dateTime={new Date(s.ended_at).toISOString()}>{withDate ? dateTime(s.ended_at, zone) : timeOfDay(s.ended_at, zone)}</time>
          <span class="sep"> · </span><span>{clock(s.ms_played)}</span>
          {s.kind === 'skip' && <span class="badge">{t('skip')}</span>}</div>
      </div>
    </li>
  );
}
