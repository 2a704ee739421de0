import type { Sql } from '../../store/index.js';

/** A track's genres (tag id, weight), countries (artist id, ISO code), era year and ListenBrainz listeners. */
export interface TrackFacts {
  genres: Map<number, { tag_id: number; weight: number }[]>;
  countries: Map<number, { artist_id: number; country: string }[]>;
  years: Map<number, number>;
  listeners: Map<number, number>;
  /** Genre tags by id: name and genre MBID. */
  tags: Map<number, { name: string; genre_mbid: string | null }>;
}

/**
 * The derived per-track tables (mb_track_genres, mb_track_countries, mb_track_facts) held in memory,
 * read again only when `version()` (the deriver's refresh counter) moved: statistics then aggregate
 * plays per track in SQL once and join these maps in JS, instead of one SQL join per figure.
 * A few entries per resolved track (tens of kB per thousand tracks).
 */
export function createTrackFacts(sql: Sql, version: () => number) {
  let cached: { version: number; facts: TrackFacts } | null = null;
  function load(): TrackFacts {
    const facts: TrackFacts = { genres: new Map(), countries: new Map(), years: new Map(), listeners: new Map(), tags: new Map() };
    for (const [track, tag, weight] of sql.values('SELECT track_id, tag_id, weight FROM mb_track_genres') as number[][]) {
      let list = facts.genres.get(track!);
      if (!list) { list = []; facts.genres.set(track!, list); }
      list.push({ tag_id: tag!, weight: weight! });
    }
    for (const [track, artist, country] of sql.values('SELECT track_id, artist_id, country FROM mb_track_countries') as [number, number, string][]) {
      let list = facts.countries.get(track);
      if (!list) { list = []; facts.countries.set(track, list); }
      list.push({ artist_id: artist, country });
    }
    for (const [track, year, listeners] of sql.values('SELECT track_id, year, listener_count FROM mb_track_facts') as (number | null)[][]) {
      if (year !== null && year !== undefined) facts.years.set(track!, year);
      if (listeners !== null && listeners !== undefined) facts.listeners.set(track!, listeners);
    }
    for (const t of sql.all<{ id: number; name: string; genre_mbid: string | null }>('SELECT id, name, genre_mbid FROM mb_tags WHERE genre_mbid IS NOT NULL')) {
      facts.tags.set(t.id, { name: t.name, genre_mbid: t.genre_mbid });
    }
    return facts;
  }
  return {
    /** The current facts (reloaded when the derived tables changed). */
    get(): TrackFacts {
      const v = version();
      if (!cached || cached.version !== v) cached = { version: v, facts: load() };
      return cached.facts;
    },
  };
}

export type TrackFactsCache = ReturnType<typeof createTrackFacts>;
