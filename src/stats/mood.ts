import { dowOfDay, MS_PER_DAY } from '../time.js';
import type { StatsContext } from './context.js';

export function createMoodStats({ store, sql, accountFilter }: StatsContext) {
  /**
   * Mood from the audio features of the plays whose tracks have an analysed file: the last 7 days
   * against the 6-month baseline (means of energy, valence, danceability, tempo), the weekly
   * trajectory, tempo (10 BPM buckets) and key distributions, and outliers: the tracks of the last
   * 90 days farthest from that period's centroid (energy, valence, danceability, tempo / 200).
   */
  function mood(account: string | undefined, toGiven: number | null, now: number) {
    const acc = accountFilter({ from: 0, to: now, account });
    // Without an explicit end, the window ends at the newest play that has features (an imported history
    // from years ago still shows its mood).
    const latest = toGiven === null ? sql.get<{ t: number | null }>(`SELECT max(s.ended_at) AS t FROM streams s JOIN library_files lf ON lf.track_id = s.track_id
      AND lf.status = 1 WHERE s.kind = 1${acc.clause.replace('account_id', 's.account_id')}`, acc.params)?.t ?? null : null;
    const to = toGiven ?? Math.min(now, latest ?? now);
    const clause = acc.clause.replace('account_id', 's.account_id');
    const from = to - 182 * MS_PER_DAY;
    const rows = sql.values(`SELECT s.ended_at, s.track_id, f.energy, f.valence, f.danceability, f.tempo_bpm, f.key, f.mode FROM streams s
      JOIN (SELECT track_id, max(id) AS file_id FROM library_files WHERE status = 1 AND track_id IS NOT NULL GROUP BY track_id) lf ON lf.track_id = s.track_id
      JOIN audio_features f ON f.file_id = lf.file_id
      WHERE s.kind = 1 AND s.ended_at BETWEEN ? AND ?${clause}`, [from, to, ...acc.params]) as (number | string | null)[][];
    const plays = sql.get<{ n: number }>(`SELECT count(*) AS n FROM streams WHERE kind = 1 AND ended_at BETWEEN ? AND ?${acc.clause}`, [from, to, ...acc.params])!.n;
    type Vec = { energy: number; valence: number; danceability: number; tempo_bpm: number };
    const mean = (list: typeof rows): Vec | null => {
      const ok = list.filter((r) => r[2] !== null && r[3] !== null && r[4] !== null && r[5] !== null);
      if (ok.length === 0) return null;
      const avg = (i: number) => Math.round((ok.reduce((a, r) => a + Number(r[i]), 0) / ok.length) * 1000) / 1000;
      return { energy: avg(2), valence: avg(3), danceability: avg(4), tempo_bpm: Math.round(avg(5) * 10) / 10 };
    };
    const weeks = new Map<number, typeof rows>();
    for (const r of rows) { const day = store.tz.dayOf(Number(r[0])); const w = day - dowOfDay(day); weeks.set(w, [...(weeks.get(w) ?? []), r]); }
    const tempo = new Map<number, number>(); const keys = new Map<string, number>();
    for (const r of rows) {
      if (r[5] !== null) { const b = Math.floor(Number(r[5]) / 10) * 10; tempo.set(b, (tempo.get(b) ?? 0) + 1); }
      if (r[6] !== null) { const k = `${String(r[6])} ${String(r[7])}`; keys.set(k, (keys.get(k) ?? 0) + 1); }
    }
    const recent = rows.filter((r) => Number(r[0]) >= to - 90 * MS_PER_DAY);
    const centre = mean(recent);
    const byTrack = new Map<number, (number | string | null)[]>();
    for (const r of recent) byTrack.set(Number(r[1]), r);
    const distance = (r: (number | string | null)[]) => !centre ? 0 : Math.hypot(Number(r[2]) - centre.energy, Number(r[3]) - centre.valence,
      Number(r[4]) - centre.danceability, (Number(r[5]) - centre.tempo_bpm) / 200);
    const outliers = [...byTrack.entries()].filter(([, r]) => r[2] !== null && r[5] !== null)
      .map(([trackId, r]) => ({ track_id: trackId, distance: Math.round(distance(r) * 1000) / 1000, energy: r[2], valence: r[3], tempo_bpm: r[5] }))
      .sort((a, b) => b.distance - a.distance).slice(0, 10)
      .map((o) => ({ ...o, ...sql.get<{ name: string; artist_name: string | null }>(`SELECT t.name AS name, ar.name AS artist_name FROM tracks t
        LEFT JOIN artists ar ON ar.id = t.artist_id WHERE t.id = ?`, [o.track_id]) }));
    return {
      plays_with_features: rows.length, plays, coverage: plays ? Math.round((rows.length / plays) * 1000) / 10 : 0,
      week: mean(rows.filter((r) => Number(r[0]) >= to - 7 * MS_PER_DAY)), baseline: mean(rows),
      weekly: [...weeks.entries()].sort((a, b) => a[0] - b[0]).map(([w, list]) => ({ week: new Date(w * MS_PER_DAY).toISOString().slice(0, 10), ...mean(list) })),
      tempo: [...tempo.entries()].sort((a, b) => a[0] - b[0]).map(([bpm, n]) => ({ bpm, plays: n })),
      keys: [...keys.entries()].sort((a, b) => b[1] - a[1]).map(([key, n]) => ({ key, plays: n })),
      outliers,
    };
  }

  /** Audio features of a Spotify track (from the user's own file matched to it), or null. */
  function trackFeatures(uri: string): Record<string, unknown> | null {
    return store.library.featuresOfUri(uri);
  }

  return { mood, trackFeatures };
}
