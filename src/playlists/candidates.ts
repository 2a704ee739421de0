import { trackNameKey, nameKey } from '../store/index.js';
import type { TrackInfo } from '../types.js';
import type { SourceName } from './types.js';

/** A track that may go into a playlist, with where it came from. */
export interface Candidate {
  /** The URI, or `name:<name_key>` for a track only known by name. */
  key: string;
  uri: string | null;
  /** The catalog track (tracks.id) when the store knows it. */
  track_id: number | null;
  name: string;
  artist_name: string | null;
  /** nameKey(primary artist): the identity of "the same artist" (≤ 2 per artist). */
  artist_key: string;
  album_name: string | null;
  image_url: string | null;
  duration_ms: number | null;
  isrc: string | null;
  /** trackNameKey(artist, title): the identity of "the same song". */
  name_key: string;
  /** The source with the highest prior (what the run log shows). */
  source: SourceName;
  sources: Set<SourceName>;
  /** 0..1: how good a pick the source thinks it is (its own ordering). */
  prior: number;
  /** The source's sentence on why. */
  why: string;
}

/** What a source hands in: a candidate without the bookkeeping. */
export type CandidateInput = Omit<Candidate, 'key' | 'source' | 'sources' | 'name_key' | 'artist_key'> & { name_key?: string };

/** A candidate from a Web API track object (search, liked songs). */
export function fromTrackInfo(t: TrackInfo, prior: number, why: string, trackId: number | null = null): CandidateInput {
  return { uri: t.uri, track_id: trackId, name: t.name, artist_name: t.artists[0]?.name ?? null, album_name: t.album?.name ?? null,
    image_url: t.album?.image_url ?? null, duration_ms: t.duration_ms, isrc: t.isrc?.toUpperCase() ?? null, prior, why };
}

/**
 * The candidate pool of one run: candidates merged by URI (or name key when there is none), each
 * remembering every source that proposed it; per-source counts of distinct candidates.
 */
export function createPool() {
  const byKey = new Map<string, Candidate>();
  const counts = new Map<SourceName, Set<string>>();

  function add(source: SourceName, input: CandidateInput): Candidate {
    const nk = input.name_key ?? trackNameKey(input.artist_name ?? '', input.name);
    const key = input.uri ?? `name:${nk}`;
    let set = counts.get(source);
    if (!set) { set = new Set(); counts.set(source, set); }
    set.add(key);
    const existing = byKey.get(key);
    if (existing) {
      existing.sources.add(source);
      existing.track_id ??= input.track_id;
      existing.isrc ??= input.isrc;
      existing.duration_ms ??= input.duration_ms;
      existing.image_url ??= input.image_url;
      if (input.prior > existing.prior) { existing.prior = input.prior; existing.source = source; existing.why = input.why; }
      return existing;
    }
    const c: Candidate = { ...input, key, name_key: nk, artist_key: nameKey(input.artist_name ?? ''), source, sources: new Set([source]) };
    byKey.set(key, c);
    return c;
  }

  return {
    add,
    /** Distinct candidates a source proposed (0 when it gave none). */
    count: (source: SourceName) => counts.get(source)?.size ?? 0,
    list: (): Candidate[] => [...byKey.values()],
    get size() { return byKey.size; },
  };
}

export type Pool = ReturnType<typeof createPool>;
