import { z } from 'zod';
import { MetadataError } from '../errors.js';
import type { ServiceClient } from './http.js';

/**
 * MusicBrainz's web service, JSON (https://musicbrainz.org/doc/MusicBrainz_API): ISRC lookup, recording
 * search, artist and area lookups. One request per second (the client paces), a User-Agent that names
 * Vibescope, `fmt=json` on every call.
 */

/** Artists per area search request (MusicBrainz search pages hold at most 100). */
export const ARTIST_SEARCH_BATCH = 100;

/** The "part of" area-area relationship (https://musicbrainz.org/relationship/de7cc874-8b1b-3a05-8272-f3834c968fb7). */
export const PART_OF = 'de7cc874-8b1b-3a05-8272-f3834c968fb7';

const credit = z.looseObject({ name: z.string().nullish(), joinphrase: z.string().nullish(), artist: z.looseObject({ id: z.string(), name: z.string().nullish() }).nullish() });
const recording = z.looseObject({
  id: z.string(), title: z.string().nullish(), length: z.number().nullish(), score: z.number().nullish(),
  'artist-credit': z.array(credit).nullish(), 'first-release-date': z.string().nullish(),
  releases: z.array(z.looseObject({ id: z.string().nullish(), title: z.string().nullish() })).nullish(),
});
const areaRef = z.looseObject({ id: z.string(), name: z.string().nullish(), type: z.string().nullish(), 'iso-3166-1-codes': z.array(z.string().nullish()).nullish() });
const area = areaRef.extend({
  relations: z.array(z.looseObject({ type: z.string().nullish(), 'type-id': z.string().nullish(), direction: z.string().nullish(), area: areaRef.nullish() })).nullish(),
});

/** A recording as search and ISRC lookups return it. `score` is MusicBrainz's search score (0-100), null for ISRC lookups. */
export interface MbRecording {
  mbid: string; title: string; length_ms: number | null; score: number | null;
  artists: { mbid: string; name: string }[]; credit_name: string; release_titles: string[];
}
/** An area: its ISO 3166-1 code when it is a country, and the area it is part of. */
export interface MbArea { mbid: string; name: string | null; type: string | null; country: string | null; parent: { mbid: string; name: string | null; country: string | null } | null }

const firstCode = (codes: (string | null | undefined)[] | null | undefined): string | null =>
  codes?.find((c): c is string => typeof c === 'string' && /^[A-Z]{2}$/.test(c)) ?? null;

function toRecording(r: z.infer<typeof recording>): MbRecording {
  const credits = r['artist-credit'] ?? [];
  return {
    mbid: r.id.toLowerCase(), title: r.title ?? '', length_ms: r.length ?? null, score: r.score ?? null,
    artists: credits.filter((c) => c.artist).map((c) => ({ mbid: c.artist!.id.toLowerCase(), name: c.name ?? c.artist!.name ?? '' })),
    credit_name: credits.map((c) => `${c.name ?? c.artist?.name ?? ''}${c.joinphrase ?? ''}`).join(''),
    release_titles: (r.releases ?? []).map((x) => x.title ?? '').filter(Boolean),
  };
}

/** A Lucene phrase for the MusicBrainz search syntax (https://musicbrainz.org/doc/Indexed_Search_Syntax). */
export function phrase(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function parse<T extends z.ZodType>(schema: T, data: unknown, endpoint: string): z.infer<T> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new MetadataError('METADATA_BAD_RESPONSE', 'MusicBrainz', endpoint, `unexpected shape: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** MusicBrainz calls over a {@link ServiceClient} (paced to one per second). */
export function createMusicBrainz(client: ServiceClient) {
  const opts = (params: Record<string, string>, signal?: AbortSignal) => ({ params: { ...params, fmt: 'json' }, ...(signal ? { signal } : {}) });

  /** GET /ws/2/isrc/{isrc}?inc=artists: the recordings carrying this ISRC ([] when MusicBrainz knows none). */
  async function isrc(code: string, signal?: AbortSignal): Promise<MbRecording[]> {
    const endpoint = 'GET /ws/2/isrc';
    const res = await client.request<unknown>('GET', `/ws/2/isrc/${encodeURIComponent(code)}`, opts({ inc: 'artists' }, signal));
    if (res.status === 404 || res.data === null) return [];
    return parse(z.looseObject({ recordings: z.array(recording).nullish() }), res.data, endpoint).recordings?.map(toRecording) ?? [];
  }

  /** GET /ws/2/recording?query=recording:"…" AND artist:"…": up to `limit` scored candidates. */
  async function searchRecordings(query: { artist: string; title: string }, limit = 10, signal?: AbortSignal): Promise<MbRecording[]> {
    const endpoint = 'GET /ws/2/recording';
    const q = `recording:${phrase(query.title)} AND artist:${phrase(query.artist)}`;
    const res = await client.request<unknown>('GET', '/ws/2/recording', opts({ query: q, limit: String(limit) }, signal));
    if (res.data === null) return [];
    return parse(z.looseObject({ recordings: z.array(recording).nullish() }), res.data, endpoint).recordings?.map(toRecording) ?? [];
  }

  /** GET /ws/2/artist/{mbid}: the artist's area (null: none, or MusicBrainz does not know the artist). */
  async function artistArea(mbid: string, signal?: AbortSignal): Promise<{ mbid: string; name: string | null; country: string | null } | null> {
    const endpoint = 'GET /ws/2/artist';
    const res = await client.request<unknown>('GET', `/ws/2/artist/${mbid}`, opts({}, signal));
    if (res.data === null) return null;
    const body = parse(z.looseObject({ area: areaRef.nullish() }), res.data, endpoint);
    return body.area?.id ? { mbid: body.area.id.toLowerCase(), name: body.area.name ?? null, country: firstCode(body.area['iso-3166-1-codes']) } : null;
  }

  /**
   * The areas of up to {@link ARTIST_SEARCH_BATCH} artists in one request: GET /ws/2/artist?query=arid:(… OR …)
   * (the artist search by MBID; https://musicbrainz.org/doc/MusicBrainz_API/Search#Artist). Artists
   * the search index does not have yet are absent (look them up one by one).
   */
  async function artistAreas(mbids: string[], signal?: AbortSignal): Promise<Map<string, { mbid: string; name: string | null; country: string | null } | null>> {
    const endpoint = 'GET /ws/2/artist (search)';
    const res = await client.request<unknown>('GET', '/ws/2/artist', opts({ query: `arid:(${mbids.join(' OR ')})`, limit: String(Math.min(100, mbids.length)) }, signal));
    const out = new Map<string, { mbid: string; name: string | null; country: string | null } | null>();
    if (res.data === null) return out;
    const body = parse(z.looseObject({ artists: z.array(z.looseObject({ id: z.string(), country: z.string().nullish(), area: areaRef.nullish() })).nullish() }), res.data, endpoint);
    for (const a of body.artists ?? []) {
      const id = a.id.toLowerCase();
      if (!mbids.includes(id)) continue;
      // In search results an area carries no ISO codes; the artist's `country` is its area's code when the area is a country.
      const country = a.area?.type === 'Country' ? firstCode([a.country]) ?? firstCode(a.area['iso-3166-1-codes']) : null;
      out.set(id, a.area?.id ? { mbid: a.area.id.toLowerCase(), name: a.area.name ?? null, country } : null);
    }
    return out;
  }

  /** GET /ws/2/area/{mbid}?inc=area-rels: the area, its ISO 3166-1 code if a country, and what it is part of. */
  async function lookupArea(mbid: string, signal?: AbortSignal): Promise<MbArea | null> {
    const endpoint = 'GET /ws/2/area';
    const res = await client.request<unknown>('GET', `/ws/2/area/${mbid}`, opts({ inc: 'area-rels' }, signal));
    if (res.data === null) return null;
    const a = parse(area, res.data, endpoint);
    // "part of", backward: the target area contains this one (walking up, never down).
    const up = (a.relations ?? []).find((r) => (r['type-id'] === PART_OF || r.type === 'part of') && r.direction === 'backward' && r.area?.id);
    return {
      mbid: a.id.toLowerCase(), name: a.name ?? null, type: a.type ?? null, country: firstCode(a['iso-3166-1-codes']),
      parent: up?.area ? { mbid: up.area.id.toLowerCase(), name: up.area.name ?? null, country: firstCode(up.area['iso-3166-1-codes']) } : null,
    };
  }

  return { isrc, searchRecordings, artistArea, artistAreas, lookupArea, counters: client.counters };
}

export type MusicBrainz = ReturnType<typeof createMusicBrainz>;
