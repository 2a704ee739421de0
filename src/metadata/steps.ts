import type { Store } from '../store/index.js';
import { MetadataError } from '../errors.js';
import { STEP } from './schema.js';
import { LOOKUP_BATCH, METADATA_BATCH, RELEASE_GROUP_BATCH, type ListenBrainz } from './listenbrainz.js';
import { ARTIST_SEARCH_BATCH, type MusicBrainz } from './musicbrainz.js';
import type { Queue, QueuedTrack } from './queue.js';
import type { createSaver, createDue } from './save.js';
import type { Deriver } from './derive.js';
import type { CountryNames } from './country.js';
import { acceptLookup, pickRecording, LOOKUP_NAME_MIN, type TrackQuery } from './match.js';

/** ListenBrainz refuses lookups whose artist + title + album exceed this many characters (MAX_MAPPING_QUERY_LENGTH). */
export const LOOKUP_MAX_CHARS = 250;
/** Areas walked up at most this far (city → district → county → region → country). */
export const AREA_MAX_DEPTH = 6;

export interface StepDeps {
  store: Store; lb: ListenBrainz; mb: MusicBrainz; queue: Queue; saver: ReturnType<typeof createSaver>;
  due: ReturnType<typeof createDue>; deriver: Deriver; countries: CountryNames;
  /** Called after each committed write with the tracks and recordings it changed. */
  changed: (tracks: number, recordings: number) => void;
}

/** One unit of work: resolves to false when there was nothing to do. */
export type Step = (signal: AbortSignal) => Promise<boolean>;

const query = (t: QueuedTrack): TrackQuery => ({ title: t.title, artist: t.artist, album: t.album, duration_ms: t.duration_ms });

/** Failures that are the tracks' (the service answered, badly) rather than the network's: those tracks wait and retry. */
function blamesBatch(err: unknown): boolean {
  return err instanceof MetadataError && err.code !== 'METADATA_OFFLINE' && err.code !== 'METADATA_AUTH'
    && !/rate limited/.test(err.message);
}

/**
 * The work units of the enrichment job, each one request (or one bulk request) followed by one write
 * transaction. Each picks the highest-priority work that is due; the job calls them in order.
 */
export function createSteps({ store, lb, mb, queue, saver, due, deriver, countries, changed }: StepDeps) {
  const write = <T>(fn: () => T): Promise<T> => store.exclusive(() => store.transaction(fn));

  async function guarded<T>(tracks: QueuedTrack[], call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (blamesBatch(err)) await write(() => queue.failed(tracks.map((t) => t.track_id), (err as Error).message));
      throw err;
    }
  }

  /** ISRC first: GET /ws/2/isrc/{isrc}; a usable recording resolves the track, else it goes on to the name step. */
  const isrc: Step = async (signal) => {
    const [t] = queue.due(STEP.isrc, 1);
    if (!t) return false;
    if (!t.isrc) { await write(() => queue.toNameStep(t.track_id, null)); return true; }
    const candidates = await guarded([t], () => mb.isrc(t.isrc!, signal));
    // An ISRC names the recording; its names may be localised, so only a loose name check guards against a wrong ISRC.
    const { recording } = pickRecording(query(t), candidates, { nameMin: LOOKUP_NAME_MIN });
    await write(() => {
      if (recording) { queue.resolve(t.track_id, recording.mbid, 'isrc', t.isrc); deriver.refreshTrack(t.track_id); }
      else queue.toNameStep(t.track_id, t.isrc);
    });
    changed(1, 0);
    return true;
  };

  /**
   * Tracks whose names were already decided for another URI of the same song take that outcome
   * without a request; returns the rest.
   */
  async function reuseDecided(tracks: QueuedTrack[]): Promise<QueuedTrack[]> {
    const rest: QueuedTrack[] = [];
    const copies: [QueuedTrack, NonNullable<ReturnType<Queue['decidedByName']>>][] = [];
    for (const t of tracks) {
      const decided = queue.decidedByName(t);
      if (decided) copies.push([t, decided]); else rest.push(t);
    }
    if (copies.length > 0) {
      await write(() => {
        for (const [t, d] of copies) {
          if (d.state === 1 && d.recording_mbid) queue.resolve(t.track_id, d.recording_mbid, d.method === 3 ? 'musicbrainz_search' : 'listenbrainz');
          else queue.notFound(t.track_id, d.reason ?? 'no match');
          deriver.refreshTrack(t.track_id);
        }
      });
      changed(copies.length, 0);
    }
    return rest;
  }

  /** Name step with a token: POST /1/metadata/lookup/, 50 tracks per request. */
  const lookup: Step = async (signal) => {
    const due = queue.due(STEP.name, LOOKUP_BATCH);
    if (due.length === 0) return false;
    const tracks = await reuseDecided(due);
    if (tracks.length === 0) return true;
    const sendable: QueuedTrack[] = [];
    const refused = new Map<number, string>();
    for (const t of tracks) {
      if (!t.artist.trim() || !t.title.trim()) refused.set(t.track_id, 'the track has no artist or title to look up');
      else if (t.artist.length + t.title.length > LOOKUP_MAX_CHARS) refused.set(t.track_id, 'artist and title are too long for a ListenBrainz lookup');
      else sendable.push(t);
    }
    const items = sendable.map((t) => ({ artist_name: t.artist, recording_name: t.title,
      ...(t.album && t.artist.length + t.title.length + t.album.length <= LOOKUP_MAX_CHARS ? { release_name: t.album } : {}) }));
    const matches = items.length > 0 ? await guarded(sendable, () => lb.lookup(items, signal)) : [];
    await write(() => {
      for (const [id, reason] of refused) { queue.notFound(id, reason); deriver.refreshTrack(id); }
      sendable.forEach((t, i) => {
        const m = matches[i] ?? null;
        if (m && acceptLookup(query(t), m)) queue.resolve(t.track_id, m.recording_mbid, 'listenbrainz');
        else queue.notFound(t.track_id, m ? 'ListenBrainz matched a recording with another title or artist' : 'ListenBrainz knows no recording by this artist and title');
        deriver.refreshTrack(t.track_id);
      });
    });
    changed(tracks.length, 0);
    return true;
  };

  /** Name step without a token: MusicBrainz search (artist + title, scored, length checked), one track per request. */
  const search: Step = async (signal) => {
    const [next] = queue.due(STEP.name, 1);
    if (!next) return false;
    const [t] = await reuseDecided([next]);
    if (!t) return true;
    if (!t.artist.trim() || !t.title.trim()) {
      await write(() => { queue.notFound(t.track_id, 'the track has no artist or title to look up'); deriver.refreshTrack(t.track_id); });
      return true;
    }
    const candidates = await guarded([t], () => mb.searchRecordings({ artist: t.artist, title: t.title }, 10, signal));
    const { recording, reason } = pickRecording(query(t), candidates);
    await write(() => {
      if (recording) queue.resolve(t.track_id, recording.mbid, 'musicbrainz_search');
      else queue.notFound(t.track_id, reason ?? 'no match');
      deriver.refreshTrack(t.track_id);
    });
    changed(1, 0);
    return true;
  };

  /** Recording metadata, 1000 MBIDs per request. */
  const recordings: Step = async (signal) => {
    const mbids = due.recordings(METADATA_BATCH);
    if (mbids.length === 0) return false;
    const found = await lb.recordings(mbids, signal);
    const tracks = await write(() => deriver.refreshRecordings(saver.saveRecordings(mbids, found)));
    changed(tracks, mbids.length);
    return true;
  };

  /** Release-group type and first release year, 150 per request. */
  const releaseGroups: Step = async (signal) => {
    const mbids = due.releaseGroups(RELEASE_GROUP_BATCH);
    if (mbids.length === 0) return false;
    const found = await lb.releaseGroups(mbids, signal);
    const tracks = await write(() => deriver.refreshRecordings(saver.saveReleaseGroups(mbids, found), { facts: true }));
    changed(tracks, 0);
    return true;
  };

  /** Listens and listeners per recording (token), 1000 per request, each at most monthly. */
  const popularity: Step = async (signal) => {
    const mbids = due.popularity(METADATA_BATCH);
    if (mbids.length === 0) return false;
    const found = await lb.popularity(mbids, signal);
    const tracks = await write(() => deriver.refreshRecordings(saver.savePopularity(mbids, found), { facts: true }));
    changed(tracks, 0);
    return true;
  };

  /**
   * Artists whose area is a city or region: their areas from one artist search (up to 100 MBIDs),
   * then up each area's "part of" relations (GET /ws/2/area/{mbid}?inc=area-rels, cached in mb_areas)
   * to the area with an ISO 3166-1 code. An artist the search misses is looked up alone (GET /ws/2/artist/{mbid}).
   */
  const artistArea: Step = async (signal) => {
    const artists = due.artistAreas(ARTIST_SEARCH_BATCH);
    if (artists.length === 0) return false;
    let found: Awaited<ReturnType<MusicBrainz['artistAreas']>>;
    try {
      found = artists.length === 1 ? new Map() : await mb.artistAreas(artists.map((a) => a.mbid), signal);
    } catch (err) {
      if (blamesBatch(err)) await write(() => { for (const a of artists) saver.areaFailed(a.id); });
      throw err;
    }
    for (const artist of artists) {
      let result: { area: string | null; country: string | null };
      try {
        const start = found.has(artist.mbid) ? found.get(artist.mbid)! : await mb.artistArea(artist.mbid, signal);
        result = await walkArea(start, signal);
      } catch (err) {
        if (blamesBatch(err)) await write(() => saver.areaFailed(artist.id));
        throw err;
      }
      const tracks = await write(() => deriver.refreshRecordings(saver.saveArtistCountry(artist.id, result.area, result.country), { countries: true }));
      changed(tracks, 0);
    }
    return true;
  };

  async function walkArea(start: { mbid: string; name: string | null; country: string | null } | null, signal: AbortSignal): Promise<{ area: string | null; country: string | null }> {
    if (!start) return { area: null, country: null };
    if (start.country) return { area: start.mbid, country: countries.isCountry(start.country) ? start.country : null };
    let current: string | null = start.mbid;
    for (let depth = 0; current && depth < AREA_MAX_DEPTH; depth++) {
      let area = due.area(current);
      if (!area) {
        const fetched = await mb.lookupArea(current, signal);
        if (!fetched) break;
        area = { mbid: fetched.mbid, name: fetched.name, type: fetched.type, parent_mbid: fetched.parent?.mbid ?? null, country: fetched.country };
        const saved = area;
        const parent = fetched.parent;
        await write(() => {
          saver.saveArea(saved);
          if (parent?.country) saver.saveArea({ mbid: parent.mbid, name: parent.name, type: 'Country', parent_mbid: null, country: parent.country });
        });
      }
      if (area.country) return { area: start.mbid, country: countries.isCountry(area.country) ? area.country : null };
      current = area.parent_mbid;
    }
    return { area: start.mbid, country: null };
  }

  return { isrc, lookup, search, recordings, releaseGroups, popularity, artistArea };
}

export type Steps = ReturnType<typeof createSteps>;
