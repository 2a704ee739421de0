import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Bus } from '../bus.js';
import type { Health } from '../health.js';
import type { Store } from '../store/index.js';
import { createStatsContext } from '../stats/index.js';
import { dowOfDay } from '../time.js';
import type { MetadataError } from '../errors.js';
import { MODULE, MIGRATIONS, STATE_NAME, METHOD_NAME } from './schema.js';
import { createServiceClient } from './http.js';
import { createListenBrainz } from './listenbrainz.js';
import { createMusicBrainz } from './musicbrainz.js';
import { createCountryNames } from './country.js';
import { createQueue } from './queue.js';
import { createSaver, createDue } from './save.js';
import { createDeriver } from './derive.js';
import { createSteps, type Step } from './steps.js';
import { createJob } from './job.js';
import { createStatus } from './status.js';
import { createCoverArt } from './cover-art.js';
import { createMetadataStats } from './stats/index.js';

export type { MetadataStats, TopGenre, GenreBucket, CountryRow, ObscureTrack, Coverage } from './stats/index.js';
export { LISTENER_THRESHOLDS, SCORE_REFERENCE_LISTENERS, obscurityOf, OTHER } from './stats/index.js';
export { GENRE_SHARE_MIN, GENRE_MAX, chooseGenres } from './derive.js';
export type { EnrichmentStatus } from './status.js';
export type { CoverArtRef } from './cover-art.js';

/** Where people get help; MusicBrainz asks that the User-Agent names it (https://musicbrainz.org/doc/MusicBrainz_API/Rate_Limiting). */
export const SUPPORT_URL = 'https://github.com/vibescope/vibescope';
/** MusicBrainz allows one request per second per client. */
export const MUSICBRAINZ_INTERVAL_MS = 1_000;
/** Our own courtesy gap between two ListenBrainz requests (its headers may ask for more). */
export const LISTENBRAINZ_INTERVAL_MS = 200;

export interface MetadataDeps {
  store: Store; bus: Bus; health: Health; log: Logger; version: string;
  config: Pick<Config, 'metadata_enrichment' | 'listenbrainz_token' | 'listenbrainz_api_url' | 'musicbrainz_api_url' | 'coverart_url' | 'http_timeout_s'>;
  now?: () => number;
  /** Tests: the pacing and back-off steps (defaults: the services' real rules). */
  musicbrainzIntervalMs?: number; listenbrainzIntervalMs?: number; backoffBaseMs?: number; laneBackoffBaseMs?: number;
  sweepMs?: number; checkpointMinWrites?: number;
}

/**
 * Metadata enrichment (issue 11): every music track resolved to a MusicBrainz recording (ISRC at
 * MusicBrainz first; else ListenBrainz's lookup with a token, or MusicBrainz search without one),
 * then genres and tags, artist countries, release years, Cover Art Archive ids and ListenBrainz
 * popularity in bulk. A background job (src/metadata/job.ts) that never blocks ingest or the panel;
 * its queue lives in the store, so it resumes after a restart. New plays are enriched within
 * minutes (`play.recorded`, `stream.merged`, `skip.detected`; imports when they finish).
 * With `metadata_enrichment: false` no request leaves the box; the statistics show what is stored.
 */
export function createMetadata({ store, bus, health, log, version, config, now = Date.now, musicbrainzIntervalMs = MUSICBRAINZ_INTERVAL_MS,
  listenbrainzIntervalMs = LISTENBRAINZ_INTERVAL_MS, backoffBaseMs, laneBackoffBaseMs, sweepMs, checkpointMinWrites }: MetadataDeps) {
  store.migrateModule(MODULE, MIGRATIONS);
  const enabled = config.metadata_enrichment && !store.readOnly;
  const token = config.listenbrainz_token?.trim() || null;
  let tokenRefused = false;
  const userAgent = `Vibescope/${version} ( ${SUPPORT_URL} )`;
  const common = { userAgent, timeoutMs: config.http_timeout_s * 1000, now, ...(backoffBaseMs === undefined ? {} : { backoffBaseMs }) };
  const lbClient = createServiceClient({ ...common, service: 'ListenBrainz', baseUrl: config.listenbrainz_api_url, minIntervalMs: listenbrainzIntervalMs,
    rateLimitStatuses: [429], headers: (): Record<string, string> => (token && !tokenRefused ? { authorization: `Token ${token}` } : {}), log: log.child({ module: 'metadata.listenbrainz' }) });
  const mbClient = createServiceClient({ ...common, service: 'MusicBrainz', baseUrl: config.musicbrainz_api_url, minIntervalMs: musicbrainzIntervalMs,
    rateLimitStatuses: [503, 429], log: log.child({ module: 'metadata.musicbrainz' }) });
  const lb = createListenBrainz(lbClient);
  const mb = createMusicBrainz(mbClient);
  const countries = createCountryNames();
  const queue = createQueue(store.sql, now);
  const saver = createSaver(store.sql, countries, now);
  const due = createDue(store.sql, now);
  const deriver = createDeriver(store.sql);
  const stats = createMetadataStats(createStatsContext(store), deriver.version);
  const hasToken = () => token !== null && !tokenRefused;

  const steps = createSteps({ store, lb, mb, queue, saver, due, deriver, countries,
    changed: (tracks, recordings) => {
      job.wrote(tracks + recordings);
      job.wake(); // the other lane may have work now (new artists to place, new recordings to fetch)
      if (tracks + recordings > 0) bus.emit('metadata.updated', { tracks, recordings });
    } });
  const job = createJob({
    store, health, log: log.child({ module: 'metadata.job' }), now, ...(sweepMs ? { sweepMs } : {}),
    ...(laneBackoffBaseMs === undefined ? {} : { laneBackoffBaseMs }), ...(checkpointMinWrites === undefined ? {} : { checkpointMinWrites }),
    sweep: async () => {
      const added = await store.exclusive(() => store.transaction(() => queue.sweep()));
      if (added > 0) log.info({ tracks: added }, 'metadata: tracks queued for lookup');
    },
    onAuthRefused: (err: MetadataError) => {
      tokenRefused = true;
      health.report('metadata.token', { code: 'METADATA_AUTH', message: `ListenBrainz refused the token (HTTP ${err.httpStatus ?? '401'}). Copy your user token from listenbrainz.org/settings into the listenbrainz_token option; until then tracks are looked up at MusicBrainz, one per second.` });
      log.error({ err: { message: err.message } }, 'metadata: ListenBrainz refused the token');
      job.wake();
    },
    lanes: [
      { name: 'listenbrainz', service: 'ListenBrainz',
        steps: () => [...(hasToken() ? [steps.lookup] : []), steps.recordings, steps.releaseGroups, ...(hasToken() ? [steps.popularity] : [])] as Step[] },
      { name: 'musicbrainz', service: 'MusicBrainz',
        steps: () => [steps.isrc, steps.artistArea, ...(hasToken() ? [] : [steps.search])] as Step[] },
    ],
  });

  /** A stream's track gets in line first (live plays), then the lanes look. */
  async function onStream(trackId: number): Promise<void> {
    const waits = await store.exclusive(() => store.transaction(() => queue.enqueue(trackId)));
    if (waits) job.wake();
  }

  const unsubscribe: (() => void)[] = [];
  const status = createStatus({ enabled, hasToken, tokenRefused: () => tokenRefused, queue, due, job, lb, mb, musicbrainzIntervalMs });
  const coverArt = createCoverArt(store.sql, config.coverart_url);

  return {
    /** Starts the job (no-op when metadata_enrichment is off: then no request ever leaves). */
    start(): void {
      if (!enabled) { log.info('metadata: enrichment is off (metadata_enrichment: false); no lookups are made'); return; }
      unsubscribe.push(
        bus.on('play.recorded', 'metadata', (row) => onStream(row.track_id)),
        bus.on('skip.detected', 'metadata', (row) => onStream(row.track_id)),
        bus.on('stream.merged', 'metadata', (row) => onStream(row.track_id)),
        bus.on('import.progress', 'metadata', (p) => { if (p.state === 'done') job.sweepSoon(); }),
      );
      job.start();
      log.info({ token: token !== null }, 'metadata: enrichment started');
    },
    /** Stops the job (requests in flight are aborted) and snapshots what it stored. Idempotent. */
    async stop(): Promise<void> {
      for (const u of unsubscribe.splice(0)) u();
      await job.stop();
    },
    /** Looks for new work now (tests, after an option change). */
    wake: () => job.wake(),
    /** GET /api/v1/enrichment: counts per state, queue, last error, rate-limit waits, and a sentence for the panel. */
    status: status.full,
    /** The short form for /api/v1/health. */
    summary: status.summary,
    /** The genre, country, era and obscurity statistics. */
    stats,
    /**
     * The Cover Art Archive image URL of a track or album when known (from its recording's release:
     * caa_release_mbid + caa_id, else its release group's), at `size` px (250, 500 or 1200), else null.
     * For the art proxy's resolver list (src/art/): the browser never fetches it itself.
     */
    coverArtUrl: coverArt.url,
    /**
     * What is known of one track (GET /api/v1/tracks/{id}/metadata): its resolution state (and the
     * not-found reason), recording MBID, genres with weights, free tags, era year, artist countries,
     * ListenBrainz listeners and the Cover Art Archive URL. null for an unknown track id.
     */
    track(trackId: number) {
      const q = store.sql.get<{ state: number; reason: string | null; mbid: string | null; method: number | null; year: number | null; listeners: number | null }>(
        `SELECT q.state AS state, q.reason AS reason, r.mbid AS mbid, q.method AS method, f.year AS year, f.listener_count AS listeners FROM tracks t
        LEFT JOIN mb_queue q ON q.track_id = t.id LEFT JOIN mb_recordings r ON r.id = q.recording_id LEFT JOIN mb_track_facts f ON f.track_id = t.id WHERE t.id = ?`, [trackId]);
      if (!q) return null;
      const tags = q.mbid ? store.sql.all<{ tag: string; count: number }>(`SELECT t.name AS tag, c.count AS count FROM mb_tag_counts c JOIN mb_tags t ON t.id = c.tag_id
        JOIN mb_recordings r ON r.id = c.entity_id WHERE c.entity = 0 AND r.mbid = ? AND t.genre_mbid IS NULL ORDER BY c.count DESC, t.name`, [q.mbid]) : [];
      return {
        track_id: trackId, state: STATE_NAME[q.state ?? 0] ?? 'pending', reason: q.state === 1 ? null : q.reason,
        method: q.method ? METHOD_NAME[q.method] ?? null : null, recording_mbid: q.mbid,
        genres: stats.trackGenres(trackId), tags, year: q.year, listeners: q.listeners,
        countries: store.sql.all<{ country: string }>('SELECT DISTINCT country FROM mb_track_countries WHERE track_id = ? ORDER BY country', [trackId]).map((c) => c.country),
        cover_art_url: coverArt.url({ track_id: trackId }),
      };
    },
    /** The genres of the track with this URI (most weighted first), for the Now playing attributes; [] when none are known. */
    genresOfUri(uri: string | null): string[] {
      if (!uri) return [];
      const t = store.sql.get<{ id: number }>('SELECT id FROM tracks WHERE uri = ?', [uri]);
      return t ? stats.trackGenres(t.id).map((g) => g.genre) : [];
    },
    /** The top genre of an account's ISO week (Monday start, configured zone) up to `at`, with its share of the week's plays that have genres. */
    topGenreWeek(account: string, at: number): { genre: string; plays: number; share: number } | null {
      const today = store.tz.dayOf(at);
      const range = { from: store.tz.startOfDay(today - dowOfDay(today)), to: at, account };
      const { items, coverage } = stats.topGenres(range, 1, 'plays');
      const top = items[0];
      if (!top || coverage.plays_with_data === 0) return null;
      return { genre: top.genre, plays: top.plays, share: Math.round((top.plays / coverage.plays_with_data) * 1000) / 1000 };
    },
  };
}

/** The metadata capability. */
export type Metadata = ReturnType<typeof createMetadata>;
