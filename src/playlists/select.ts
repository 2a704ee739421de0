import type { Ranked } from './rank.js';
import type { Exclusion } from './types.js';

/** At most this many tracks per artist (ListenBrainz Daily Jams' rule). */
export const MAX_PER_ARTIST = 2;
/** The run log keeps the reason for this many excluded top candidates. */
export const MAX_EXCLUSIONS = 20;

export interface SelectOptions { size: number; minNewRatio: number; perArtist?: number }

/** What selection chose and left out. */
export interface Selection { chosen: Ranked[]; exclusions: Exclusion[]; notes: string[]; needed_new: number }

/**
 * Picks the list from ranked candidates (best first):
 * 1. hard exclusions are never picked (rank.ts);
 * 2. no duplicates: the same ISRC, or the same normalized artist + title, counts as one song;
 * 3. at most 2 tracks per artist (normalized primary artist);
 * 4. first the best new tracks (never streamed) up to ceil(size × minNewRatio), then the best of the rest.
 * Exclusions: the first 20 candidates ranked above the last one chosen that were left out (all left out when
 * the list came out short), with the reason.
 */
export function selectTracks(ranked: Ranked[], { size, minNewRatio, perArtist = MAX_PER_ARTIST }: SelectOptions): Selection {
  const neededNew = Math.ceil(size * minNewRatio - 1e-9);
  const chosen = new Set<Ranked>();
  const isrcs = new Map<string, Ranked>(); const songs = new Map<string, Ranked>(); const artists = new Map<string, number>();
  const reasons = new Map<Ranked, string>();

  function blocked(c: Ranked): string | null {
    if (c.exclusion) return c.exclusion;
    const sameIsrc = c.isrc ? isrcs.get(c.isrc) : undefined;
    if (sameIsrc) return `the same recording as "${sameIsrc.name}" (same ISRC), already in the list`;
    const sameSong = songs.get(c.name_key);
    if (sameSong) return `the same song as "${sameSong.name}" by ${sameSong.artist_name ?? 'the same artist'}, already in the list`;
    if ((artists.get(c.artist_key) ?? 0) >= perArtist) return `already ${perArtist} tracks by ${c.artist_name ?? 'this artist'} in the list`;
    return null;
  }
  function take(c: Ranked): void {
    chosen.add(c);
    if (c.isrc) isrcs.set(c.isrc, c);
    songs.set(c.name_key, c);
    artists.set(c.artist_key, (artists.get(c.artist_key) ?? 0) + 1);
  }

  let newCount = 0;
  for (const c of ranked) {
    if (newCount >= neededNew || chosen.size >= size) break;
    if (!c.is_new) continue;
    const why = blocked(c);
    if (why) { reasons.set(c, why); continue; }
    take(c); newCount++;
  }
  for (const c of ranked) {
    if (chosen.size >= size) break;
    if (chosen.has(c)) continue;
    const why = blocked(c);
    if (why) { reasons.set(c, why); continue; }
    take(c);
  }

  const order = ranked.filter((c) => chosen.has(c));
  // Left out from the top: what ranked above the last track chosen; when the list came out short, everything left out.
  const lastChosen = order.length < size ? ranked.length : ranked.indexOf(order.at(-1)!);
  const exclusions: Exclusion[] = [];
  for (let i = 0; i < lastChosen && exclusions.length < MAX_EXCLUSIONS; i++) {
    const c = ranked[i]!;
    if (chosen.has(c)) continue;
    exclusions.push({ uri: c.uri, name: c.name, artist_name: c.artist_name, score: c.score,
      reason: reasons.get(c) ?? blocked(c) ?? `its slot went to a new track (vibe_min_new_ratio asks for ${neededNew} new tracks)` });
  }
  const notes: string[] = [];
  const newChosen = order.filter((c) => c.is_new).length;
  const found = (n: number, what: string) => `${n} ${what} ${n === 1 ? 'track was' : 'tracks were'} found`;
  if (order.length < size) notes.push(`Only ${found(order.length, 'suitable')}, fewer than the ${size} asked for.`);
  if (newChosen < neededNew) notes.push(`Only ${found(newChosen, 'new')}, fewer than the ${neededNew} vibe_min_new_ratio asks for.`);
  return { chosen: order, exclusions, notes, needed_new: neededNew };
}

/** Reorders a list so that no artist plays twice in a row where another order allows it (stable otherwise). */
export function spreadArtists<T extends { artist_key: string }>(list: T[]): T[] {
  const out = [...list];
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.artist_key !== out[i - 1]!.artist_key) continue;
    const j = out.findIndex((t, k) => k > i && t.artist_key !== out[i - 1]!.artist_key && (k + 1 >= out.length || out[k + 1]!.artist_key !== out[i]!.artist_key));
    if (j > i) [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
