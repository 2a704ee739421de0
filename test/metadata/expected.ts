import { countryOfArea, type World } from '../support/metabrainz-world.js';
import type { FakeListenBrainz } from '../support/fake-metabrainz.js';
import type { HistoryRow } from '../support/metadata.js';

/**
 * The test's own, separate computation of the statistics from the history rows and what the fake
 * ListenBrainz served (PRODUCT.md definitions and the genre rule as documented in
 * src/metadata/derive.ts, restated here without using any product code).
 */

/**
 * The names a URI is stored under: real exports name one URI differently over time ("Favorite" and
 * "favorite"; a title with and without "(From … Soundtrack)"), and the store keeps the first it saw.
 * The test takes only that identity from the store; every count comes from the rows.
 */
export type NameOf = (uri: string) => { artist: string; title: string };

/** Per Spotify URI: plays (ms_played ≥ 30 000) and all music ms, plus the world key of its names. */
export function perUri(rows: HistoryRow[], world: World, nameOf: NameOf) {
  const out = new Map<string, { key: string; plays: number; ms: number }>();
  for (const r of rows) {
    if (!r.spotify_track_uri || !r.master_metadata_album_artist_name || !r.master_metadata_track_name) continue;
    const e = out.get(r.spotify_track_uri) ?? { key: world.keyOf(nameOf(r.spotify_track_uri).artist, nameOf(r.spotify_track_uri).title), plays: 0, ms: 0 };
    e.ms += r.ms_played;
    if (r.ms_played >= 30_000) e.plays++;
    out.set(r.spotify_track_uri, e);
  }
  return [...out.values()].filter((e) => e.plays > 0);
}

/** The keys a careful client resolves: known to the world, and not a decoy match. */
export function resolvable(world: World, key: string): boolean {
  return world.byName.has(key) && !world.decoys.has(key);
}

type Served = { tag?: { recording?: any[]; artist?: any[]; release_group?: any[] }; artist?: { artists?: any[] }; release?: any };

function pickVotes(tags: { tag: string; count: number; genre_mbid?: string }[]): { tag: string; count: number }[] {
  const genres = tags.filter((t) => t.genre_mbid && t.count > 0).sort((a, b) => b.count - a.count);
  if (genres.length === 0) return [];
  return genres.filter((t) => t.count >= genres[0]!.count / 3).slice(0, 5);
}
const pick = (tags: { tag: string; count: number; genre_mbid?: string }[]): string[] => pickVotes(tags).map((t) => t.tag);

/** A served entry's genres with weights (votes / the kept genres' votes), by the same levels as {@link servedGenres}. */
export function servedWeights(entry: Served | undefined): Map<string, number> {
  const names = servedGenres(entry);
  if (!entry?.tag || names.length === 0) return new Map();
  const level = pick(entry.tag.recording ?? []).length ? entry.tag.recording! : null;
  let votes: { tag: string; count: number }[];
  if (level) votes = pickVotes(level);
  else {
    const summed = new Map<string, { tag: string; count: number; genre_mbid?: string }>();
    for (const t of entry.tag.artist ?? []) { const x = summed.get(t.tag) ?? { tag: t.tag, count: 0, genre_mbid: t.genre_mbid }; x.count += t.count; summed.set(t.tag, x); }
    votes = pickVotes([...summed.values()]);
    if (votes.length === 0) votes = pickVotes(entry.tag.release_group ?? []);
  }
  const total = votes.reduce((s, v) => s + v.count, 0);
  return new Map(votes.map((v) => [v.tag, v.count / total]));
}

/** A served recording entry's genres: recording's, else the artists' (votes summed), else the release group's. */
export function servedGenres(entry: Served | undefined): string[] {
  if (!entry?.tag) return [];
  const own = pick(entry.tag.recording ?? []);
  if (own.length) return own;
  const summed = new Map<string, { tag: string; count: number; genre_mbid?: string }>();
  for (const t of entry.tag.artist ?? []) {
    const s = summed.get(t.tag) ?? { tag: t.tag, count: 0, genre_mbid: t.genre_mbid };
    s.count += t.count;
    summed.set(t.tag, s);
  }
  const artists = pick([...summed.values()]);
  return artists.length ? artists : pick(entry.tag.release_group ?? []);
}

/** Expected top genres (plays and ms per genre), countries and eras from the rows and the fake's served bodies. */
export function expectedStats(rows: HistoryRow[], world: World, lb: FakeListenBrainz, nameOf: NameOf) {
  const genres = new Map<string, { plays: number; ms: number }>();
  const countries = new Map<string, { plays: number; ms: number; artists: Set<string> }>();
  const years = new Map<number, number>();
  let yearPlays = 0; let yearSum = 0;
  for (const t of perUri(rows, world, nameOf)) {
    if (!resolvable(world, t.key)) continue;
    const rec = world.byName.get(t.key)!;
    const entry = lb.served.recordings.get(rec.mbid) as Served | undefined;
    for (const g of servedGenres(entry)) {
      const e = genres.get(g) ?? { plays: 0, ms: 0 };
      e.plays += t.plays; e.ms += t.ms;
      genres.set(g, e);
    }
    const artist = entry?.artist?.artists?.[0];
    const country = artist ? countryOfArea(world, artist.area ?? null) : null;
    if (country) {
      const c = countries.get(country) ?? { plays: 0, ms: 0, artists: new Set() };
      c.plays += t.plays; c.ms += t.ms; c.artists.add(artist.artist_mbid);
      countries.set(country, c);
    }
    const group = entry?.release?.release_group_mbid ? lb.served.releaseGroups.get(entry.release.release_group_mbid) as any : undefined;
    const year = group?.release_group?.date ? Number(String(group.release_group.date).slice(0, 4)) : entry?.release?.year ?? null;
    if (year) { years.set(year, (years.get(year) ?? 0) + t.plays); yearPlays += t.plays; yearSum += year * t.plays; }
  }
  return { genres, countries, years, meanYear: yearPlays ? Math.round((yearSum / yearPlays) * 10) / 10 : null };
}
