import path from 'node:path';
import type { Logger } from '../log.js';
import type { Health } from '../health.js';
import { storageError, isStorageErrno, type Store } from '../store/index.js';
import { fileOf, openArtCache, type ArtCache } from './cache.js';
import { ArtFetchError, fetchImage } from './fetch.js';
import { ResolverPause, type ArtResolver } from './resolvers.js';
import { ART_MIGRATIONS, createArtSubjects, type ArtRecord, type ArtSubject } from './subjects.js';

export { storedArtResolver, spotifyTrackArtResolver, coverArtArchiveResolver, pickImage, ResolverPause, SPOTIFY_IMAGE_HOSTS, COVER_ART_ARCHIVE_HOSTS, type ArtResolver } from './resolvers.js';
export type { ArtSubject } from './subjects.js';
export { hostAllowed, sniffImage, MAX_IMAGE_BYTES } from './fetch.js';

/** Subjects waiting for a slow resolver, at most (the newest asked for go first; the oldest are dropped). */
const MAX_QUEUE = 2000;
/** After a download failed (service down, offline), the same URL is not tried again for this long. */
const RETRY_FETCH_MS = 10 * 60_000;
/** How long stop() waits for a resolver call in flight (Home Assistant allows 10 s for the whole stop). */
const STOP_WAIT_MS = 2_000;
/** Consecutive failed downloads before health says so. */
const FAILURES_BEFORE_REPORT = 3;

export interface ArtDeps {
  store: Store;
  /** Where the image bytes are cached: `<dataDir>/art/`. */
  dataDir: string;
  /** Sources of art URLs, asked in this order (main.ts: the stored Spotify URL, then GET /tracks/{id}; later Cover Art Archive). */
  resolvers: readonly ArtResolver[];
  /** Disk cap of the cached bytes (option art_cache_mb). */
  cacheBytes: number;
  log: Logger;
  health?: Health;
  timeoutMs?: number;
  now?: () => number;
  fetchFn?: typeof fetch;
}

/** An image ready to send: bytes, sniffed type and a strong validator. */
export interface ArtImage { bytes: Buffer; type: string; etag: string }

/**
 * Cover art, served by Vibescope itself so the browser contacts nothing else (the CSP allows images
 * from 'self' only) and art shows offline once cached. URLs come from the resolvers (stored Spotify
 * album images first, then one `GET /tracks/{id}` per imported track, rate-limited, in a queue that
 * never blocks a request); the bytes are downloaded once, checked to be an image, and kept on disk
 * under a size cap (least recently used go first). Failures are logged and shown in health; the
 * panel shows a letter tile meanwhile.
 */
export async function createArt({ store, dataDir, resolvers, cacheBytes, log, health, timeoutMs = 15_000, now = Date.now, fetchFn }: ArtDeps) {
  store.migrateModule('art', ART_MIGRATIONS);
  const subjects = createArtSubjects(store, now);
  const cache: ArtCache = await openArtCache(path.join(dataDir, 'art'), cacheBytes).catch((err: unknown) => {
    // A read-only or full disk must not keep Vibescope from starting: art is then downloaded each time, never kept.
    log.error({ err }, 'art: the cover art folder cannot be used; art is not kept on the box');
    const why = isStorageErrno(err) ? storageError(err, 'art').message : 'the art folder in the data folder could not be created.';
    health?.report('art.cache', { code: 'ART_CACHE_FAILED', dismissible: true,
      message: `Cover art cannot be kept on the box: ${why} Art still shows while the box is online.` });
    return noCache(cacheBytes);
  });
  const hosts = [...new Set(resolvers.flatMap((r) => r.hosts))];
  const queue = new Map<string, ArtSubject>();
  const resting = new Map<string, { lastAt: number; pausedUntil: number }>();
  const failedUntil = new Map<string, number>();
  const inFlight = new Map<string, Promise<ArtImage | null>>();
  let failures = 0;
  let running = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  let sleeper: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  const keyOf = (s: ArtSubject) => `${s.kind}:${s.id}`;

  /** The URL known now for a subject (its record, else an immediate resolver); queues it for the slow ones. */
  function urlOf(subject: ArtSubject, known?: ArtRecord | null): { url: string; source: string } | null {
    const rec = known === undefined ? subjects.record(subject) : known;
    if (rec?.url) return { url: rec.url, source: rec.source ?? '' };
    for (const r of resolvers) {
      if (rec?.tried.has(r.name)) continue;
      if (r.immediate) {
        const url = r.resolve(subject) as string | null;
        if (url) return { url, source: r.name };
        continue;
      }
      if (r.available?.() === false) continue;
      enqueue(subject);
      return null;
    }
    return null;
  }

  function enqueue(subject: ArtSubject): void {
    const key = keyOf(subject);
    queue.delete(key);
    queue.set(key, subject);
    if (queue.size > MAX_QUEUE) queue.delete(queue.keys().next().value!);
    wake?.();
  }

  /**
   * The relative URL of an album's or track's art (`api/v1/art/album/12`), or null when no art is
   * known yet (a slow resolver may find it later: the subject is queued). Never waits for a service.
   */
  function pathOf(kind: 'album' | 'track', id: number | null | undefined): string | null {
    if (id === null || id === undefined) return null;
    return pathsOf(kind, [id]).get(id) ?? null;
  }

  /** {@link pathOf} for a whole list (a few queries, not four per item), by id. */
  function pathsOf(kind: 'album' | 'track', ids: readonly (number | null | undefined)[]): Map<number, string | null> {
    const wanted = [...new Set(ids.filter((id): id is number => id !== null && id !== undefined))];
    const found = subjects.subjectsOf(kind, wanted);
    const recs = subjects.records([...found.values()].filter((s): s is ArtSubject => s !== null));
    const out = new Map<number, string | null>();
    // In the list's order: subjects a slow resolver must look up are queued in rank order, as one by one.
    for (const id of wanted) {
      const subject = found.get(id) ?? null;
      out.set(id, subject && urlOf(subject, recs.get(keyOf(subject)) ?? null) ? `api/v1/art/${kind}/${id}` : null);
    }
    return out;
  }

  function noteFailure(err: ArtFetchError): void {
    failures += 1;
    if (failures >= FAILURES_BEFORE_REPORT) {
      health?.report('art', { code: 'ART_UNAVAILABLE', dismissible: true,
        message: `Cover art could not be downloaded (${err.message}). The panel shows letters instead until it can; check that the box reaches the internet.` });
    }
  }

  /** Downloads (once at a time per URL) and caches an image. Null when it cannot be had now. */
  async function download(url: string): Promise<ArtImage | null> {
    const pending = inFlight.get(url);
    if (pending) return pending;
    const run = (async (): Promise<ArtImage | null> => {
      const { bytes, type } = await fetchImage(url, { hosts, timeoutMs, ...(fetchFn ? { fetchFn } : {}) });
      failures = 0;
      health?.clear('art');
      try {
        await cache.put(url, bytes);
      } catch (err) {
        const e = isStorageErrno(err) ? storageError(err, 'art') : (err as Error);
        log.error({ err: e }, 'art: could not cache an image');
        health?.report('art.cache', { code: 'ART_CACHE_FAILED', dismissible: true,
          message: `Cover art could not be saved on the box (${e.message}). Art still shows while online.` });
      }
      return { bytes, type, etag: `"${etagOf(url)}"` };
    })();
    inFlight.set(url, run);
    try { return await run; } finally { inFlight.delete(url); }
  }

  /**
   * The image of an album or track: from the disk cache, else downloaded now. Null when there is no
   * art (yet) or it cannot be downloaded now (then the URL rests {@link RETRY_FETCH_MS}).
   */
  async function image(kind: 'album' | 'track', id: number): Promise<ArtImage | null> {
    const subject = subjects.subjectOf(kind, id);
    if (!subject) return null;
    for (let attempt = 0; attempt < resolvers.length; attempt++) {
      const found = urlOf(subject);
      if (!found) return null;
      const result = await imageOfUrl(found.url);
      if (result !== 'gone') return result;
      // That URL is gone for good: the next resolver may know another.
      await subjects.save(subject, { none: found.source });
    }
    return null;
  }

  /**
   * The image at a URL an allowed resolver produced (now-playing art: the player's album image):
   * cached, else downloaded. 'gone' when the URL can never work (404, refused host, not an image).
   */
  async function imageOfUrl(url: string): Promise<ArtImage | null | 'gone'> {
    const cached = await cache.get(url);
    if (cached) return { ...cached, etag: `"${etagOf(url)}"` };
    if ((failedUntil.get(url) ?? 0) > now()) return null;
    try {
      return await download(url);
    } catch (err) {
      if (!(err instanceof ArtFetchError)) throw err;
      if (err.permanent) { log.warn({ err: { message: err.message } }, 'art: image refused or gone'); return 'gone'; }
      log.warn({ err: { message: err.message, detail: err.detail } }, 'art: image download failed; trying again later');
      if (failedUntil.size > 5000) failedUntil.clear();
      failedUntil.set(url, now() + RETRY_FETCH_MS);
      noteFailure(err);
      return null;
    }
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { sleeper = null; resolve(); }, Math.max(0, ms));
      timer.unref?.();
      sleeper = { timer, resolve };
    });
  }

  /** Asks the slow resolvers about one subject, honouring each one's interval and rest. */
  async function work(subject: ArtSubject): Promise<void> {
    for (const r of resolvers) {
      if (!running) return;
      if (r.immediate || r.available?.() === false) continue;
      const rec = subjects.record(subject);
      if (rec?.url) return;
      if (rec?.tried.has(r.name)) continue;
      const state = resting.get(r.name) ?? { lastAt: 0, pausedUntil: 0 };
      resting.set(r.name, state);
      if (state.pausedUntil > now()) continue; // resting: another resolver may answer; else it is asked when shown again
      const wait = state.lastAt + (r.minIntervalMs ?? 0) - now();
      if (wait > 0) await sleep(wait);
      if (!running) { enqueue(subject); return; }
      state.lastAt = now();
      try {
        const url = await r.resolve(subject);
        await subjects.save(subject, url ? { found: { url, source: r.name } } : { none: r.name });
        if (url) return;
      } catch (err) {
        if (err instanceof ResolverPause) {
          state.pausedUntil = now() + err.retryAfterMs;
          log.warn({ resolver: r.name, retry_after_ms: err.retryAfterMs }, 'art: resolver rate-limited, resting');
          enqueue(subject);
          return;
        }
        log.warn({ resolver: r.name, subject: keyOf(subject), err: { message: (err as Error).message } }, 'art: resolver failed; the subject is asked again when next shown');
        return;
      }
    }
  }

  /** When every slow resolver that could work now is resting after a rate limit: the earliest end of those rests, else 0. */
  function restingUntil(): number {
    const slow = resolvers.filter((r) => !r.immediate && r.available?.() !== false);
    const ends = slow.map((r) => resting.get(r.name)?.pausedUntil ?? 0);
    return ends.length > 0 && ends.every((t) => t > now()) ? Math.min(...ends) : 0;
  }

  async function run(): Promise<void> {
    while (running) {
      const last = [...queue.keys()].at(-1);
      if (last === undefined) {
        await new Promise<void>((resolve) => { wake = resolve; });
        wake = null;
        continue;
      }
      // Subjects stay queued while their resolvers rest.
      const rest = restingUntil();
      if (rest > 0) { await sleep(rest - now()); continue; }
      const subject = queue.get(last)!;
      queue.delete(last);
      try {
        await work(subject);
      } catch (err) {
        log.error({ err, subject: last }, 'art: resolving failed unexpectedly');
      }
    }
  }

  return {
    pathOf, pathsOf, image, imageOfUrl, hosts,
    /**
     * Adds `art_url` to list items (top lists, the log, entity parts): `kind` says what `idOf` names.
     * Items that have no art yet get null.
     */
    withArt<T extends object>(items: T[], kind: 'album' | 'track', idOf: (item: T) => number | null | undefined): (T & { art_url: string | null })[] {
      const paths = pathsOf(kind, items.map(idOf));
      return items.map((item) => { const id = idOf(item); return { ...item, art_url: id === null || id === undefined ? null : paths.get(id) ?? null }; });
    },
    /** Starts the resolver queue. */
    start(): void {
      if (running) return;
      running = true;
      loop = run();
    },
    /** Stops the queue; waits at most {@link STOP_WAIT_MS} for a resolver call in flight (it finishes on its own). Idempotent. */
    async stop(): Promise<void> {
      running = false;
      wake?.();
      if (sleeper) { clearTimeout(sleeper.timer); sleeper.resolve(); sleeper = null; }
      if (loop) await Promise.race([loop, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
      loop = null;
    },
    /** Queue length, resolvers resting after a rate limit (until, ms) and cache use. */
    status: () => ({ queued: queue.size, resting_until: Object.fromEntries([...resting].filter(([, r]) => r.pausedUntil > now()).map(([n, r]) => [n, r.pausedUntil])),
      ...cache.status() }),
  };
}

/** A cache that keeps nothing (the art folder could not be created). */
function noCache(capBytes: number): ArtCache {
  return { get: async () => null, put: async () => undefined, has: () => false, status: () => ({ files: 0, bytes: 0, cap_bytes: capBytes }) };
}

/** A strong validator of the image at a URL (its cache file name: the bytes of one URL never change). */
const etagOf = (url: string) => fileOf(url);

/** The art capability. */
export type Art = Awaited<ReturnType<typeof createArt>>;
