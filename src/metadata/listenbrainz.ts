import { z } from 'zod';
import { MetadataError } from '../errors.js';
import type { ServiceClient } from './http.js';

/**
 * ListenBrainz's metadata and popularity API (listenbrainz-server webserver/views/metadata_api.py and
 * popularity_api.py; https://listenbrainz.readthedocs.io/en/latest/users/api/metadata.html). Bodies are
 * checked entry by entry: an entry that does not fit is left out (and so stays due), never guessed.
 */

/** POST /1/metadata/lookup/ takes at most this many recordings (MAX_LOOKUPS_PER_POST). */
export const LOOKUP_BATCH = 50;
/** POST /1/metadata/recording/ and /1/popularity/recording take at most this many MBIDs (MAX_ITEMS_PER_GET). */
export const METADATA_BATCH = 1000;
/** GET /1/metadata/release_group/ takes MBIDs in the query string: this many keep the URL under 6 kB. */
export const RELEASE_GROUP_BATCH = 150;

const mbid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
const int = z.number().int();
const tag = z.looseObject({ tag: z.string().min(1), count: z.number(), genre_mbid: mbid.nullish(), artist_mbid: mbid.nullish() });
const artist = z.looseObject({ artist_mbid: mbid, name: z.string().nullish(), type: z.string().nullish(), begin_year: int.nullish(), area: z.string().nullish() });
const release = z.looseObject({
  mbid: mbid.nullish(), name: z.string().nullish(), year: int.nullish(), release_group_mbid: mbid.nullish(),
  caa_id: int.nullish(), caa_release_mbid: mbid.nullish(),
});
const recordingEntry = z.looseObject({
  recording: z.looseObject({ name: z.string().nullish() }).nullish(),
  artist: z.looseObject({ artists: z.array(artist).nullish() }).nullish(),
  release: release.nullish(),
  tag: z.looseObject({ recording: z.array(tag).nullish(), artist: z.array(tag).nullish(), release_group: z.array(tag).nullish() }).nullish(),
});
const releaseGroupEntry = z.looseObject({
  release_group: z.looseObject({ name: z.string().nullish(), type: z.string().nullish(), date: z.string().nullish(),
    caa_id: int.nullish(), caa_release_mbid: mbid.nullish() }).nullish(),
});
const lookupEntry = z.looseObject({
  index: int, recording_mbid: mbid.nullish(), release_mbid: mbid.nullish(), artist_mbids: z.array(mbid).nullish(),
  recording_name: z.string().nullish(), artist_credit_name: z.string().nullish(), release_name: z.string().nullish(),
});
const popularityEntry = z.looseObject({ recording_mbid: mbid, total_listen_count: int.nullish(), total_user_count: int.nullish() });

/** One vote-counted tag. A tag with a `genre_mbid` is a MusicBrainz genre; the others are free tags. */
export interface TagVote { tag: string; count: number; genre_mbid: string | null }
/** An artist credited on a recording, as ListenBrainz's metadata cache has it (`area` is a name: "United Kingdom", "Bristol"). */
export interface ArtistMeta { mbid: string; name: string | null; type: string | null; begin_year: number | null; area: string | null; tags: TagVote[] }
/** What we keep of a recording's metadata. */
export interface RecordingMeta {
  mbid: string;
  name: string | null;
  release: { mbid: string | null; name: string | null; year: number | null; release_group_mbid: string | null; caa_id: number | null; caa_release_mbid: string | null } | null;
  artists: ArtistMeta[];
  recording_tags: TagVote[];
  release_group_tags: TagVote[];
}
/** What we keep of a release group (type "Album", "Single", "EP", …; first release year). */
export interface ReleaseGroupMeta { mbid: string; name: string | null; type: string | null; first_year: number | null; caa_id: number | null; caa_release_mbid: string | null }
/** A lookup's answer for one input: null when ListenBrainz found no recording. */
export interface LookupMatch { recording_mbid: string; release_mbid: string | null; artist_mbids: string[]; recording_name: string | null; artist_credit_name: string | null; release_name: string | null }
/** Popularity of a recording on ListenBrainz (null counts: ListenBrainz has none). */
export interface Popularity { recording_mbid: string; listen_count: number | null; listener_count: number | null }

const votes = (list: z.infer<typeof tag>[] | null | undefined): TagVote[] =>
  (list ?? []).filter((t) => t.count > 0).map((t) => ({ tag: t.tag, count: Math.round(t.count), genre_mbid: t.genre_mbid ?? null }));

/** Checks the body's outer shape; a body that is not what the endpoint returns is an error, not "no data". */
function outer<T extends z.ZodType>(schema: T, data: unknown, endpoint: string): z.infer<T> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new MetadataError('METADATA_BAD_RESPONSE', 'ListenBrainz', endpoint, `unexpected shape: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** ListenBrainz calls over a {@link ServiceClient}; `signal` aborts waits and requests (stop()). */
export function createListenBrainz(client: ServiceClient) {
  /**
   * Maps names to recordings: POST /1/metadata/lookup/ (token required), at most {@link LOOKUP_BATCH}.
   * @returns one entry per input, in order: the match or null.
   */
  async function lookup(items: { artist_name: string; recording_name: string; release_name?: string | undefined }[], signal?: AbortSignal): Promise<(LookupMatch | null)[]> {
    const endpoint = 'POST /1/metadata/lookup/';
    const res = await client.request<unknown>('POST', '/1/metadata/lookup/', { body: { recordings: items }, ...(signal ? { signal } : {}) });
    const list = outer(z.array(z.unknown()), res.data ?? [], endpoint);
    const out: (LookupMatch | null)[] = items.map(() => null);
    list.forEach((raw, position) => {
      const e = lookupEntry.safeParse(raw);
      if (!e.success || !e.data.recording_mbid) return;
      const index = e.data.index ?? position;
      if (index < 0 || index >= items.length) return;
      out[index] = { recording_mbid: e.data.recording_mbid.toLowerCase(), release_mbid: e.data.release_mbid?.toLowerCase() ?? null,
        artist_mbids: (e.data.artist_mbids ?? []).map((m) => m.toLowerCase()), recording_name: e.data.recording_name ?? null,
        artist_credit_name: e.data.artist_credit_name ?? null, release_name: e.data.release_name ?? null };
    });
    return out;
  }

  /**
   * Recording metadata in bulk: POST /1/metadata/recording/ with inc "artist tag release", at most
   * {@link METADATA_BATCH} MBIDs. Unknown MBIDs are absent from the answer (and from the map returned).
   */
  async function recordings(mbids: string[], signal?: AbortSignal): Promise<Map<string, RecordingMeta>> {
    const endpoint = 'POST /1/metadata/recording/';
    const res = await client.request<unknown>('POST', '/1/metadata/recording/', { body: { recording_mbids: mbids, inc: 'artist tag release' }, ...(signal ? { signal } : {}) });
    const body = outer(z.record(z.string(), z.unknown()), res.data ?? {}, endpoint);
    const out = new Map<string, RecordingMeta>();
    for (const [key, raw] of Object.entries(body)) {
      const e = recordingEntry.safeParse(raw);
      if (!e.success || !mbid.safeParse(key).success) continue;
      const artistTags = e.data.tag?.artist ?? [];
      const artists = (e.data.artist?.artists ?? []).map((a) => ({
        mbid: a.artist_mbid.toLowerCase(), name: a.name ?? null, type: a.type ?? null, begin_year: a.begin_year ?? null, area: a.area ?? null,
        tags: votes(artistTags.filter((t) => t.artist_mbid?.toLowerCase() === a.artist_mbid.toLowerCase())),
      }));
      const r = e.data.release;
      out.set(key.toLowerCase(), {
        mbid: key.toLowerCase(), name: e.data.recording?.name ?? null, artists,
        release: r ? { mbid: r.mbid?.toLowerCase() ?? null, name: r.name ?? null, year: r.year ?? null, release_group_mbid: r.release_group_mbid?.toLowerCase() ?? null,
          caa_id: r.caa_id ?? null, caa_release_mbid: r.caa_release_mbid?.toLowerCase() ?? null } : null,
        recording_tags: votes(e.data.tag?.recording), release_group_tags: votes(e.data.tag?.release_group),
      });
    }
    return out;
  }

  /** Release groups in bulk: GET /1/metadata/release_group/ (type, first release date, cover art), at most {@link RELEASE_GROUP_BATCH}. */
  async function releaseGroups(mbids: string[], signal?: AbortSignal): Promise<Map<string, ReleaseGroupMeta>> {
    const endpoint = 'GET /1/metadata/release_group/';
    const res = await client.request<unknown>('GET', '/1/metadata/release_group/', { params: { release_group_mbids: mbids.join(','), inc: 'release' }, ...(signal ? { signal } : {}) });
    const body = outer(z.record(z.string(), z.unknown()), res.data ?? {}, endpoint);
    const out = new Map<string, ReleaseGroupMeta>();
    for (const [key, raw] of Object.entries(body)) {
      const e = releaseGroupEntry.safeParse(raw);
      if (!e.success || !mbid.safeParse(key).success) continue;
      const g = e.data.release_group;
      const year = g?.date ? Number(/^(\d{4})/.exec(g.date)?.[1]) : NaN;
      out.set(key.toLowerCase(), { mbid: key.toLowerCase(), name: g?.name ?? null, type: g?.type ?? null, first_year: Number.isFinite(year) ? year : null,
        caa_id: g?.caa_id ?? null, caa_release_mbid: g?.caa_release_mbid?.toLowerCase() ?? null });
    }
    return out;
  }

  /** Listens and listeners per recording: POST /1/popularity/recording (token required), at most {@link METADATA_BATCH}. */
  async function popularity(mbids: string[], signal?: AbortSignal): Promise<Popularity[]> {
    const endpoint = 'POST /1/popularity/recording';
    const res = await client.request<unknown>('POST', '/1/popularity/recording', { body: { recording_mbids: mbids }, ...(signal ? { signal } : {}) });
    const list = outer(z.array(z.unknown()), res.data ?? [], endpoint);
    const out: Popularity[] = [];
    for (const raw of list) {
      const e = popularityEntry.safeParse(raw);
      if (e.success) out.push({ recording_mbid: e.data.recording_mbid.toLowerCase(), listen_count: e.data.total_listen_count ?? null, listener_count: e.data.total_user_count ?? null });
    }
    return out;
  }

  return { lookup, recordings, releaseGroups, popularity, counters: client.counters };
}

export type ListenBrainz = ReturnType<typeof createListenBrainz>;
