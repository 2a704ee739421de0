import { SpotifyError } from '../errors.js';
import type { ArtSubject } from './subjects.js';

/**
 * One source of cover-art URLs. Art asks its resolvers in the order main.ts lists them; the first
 * URL wins, and a resolver that had none for a subject is remembered and never asked again for it.
 */
export interface ArtResolver {
  /** Stable name (stored per subject). */
  name: string;
  /** Hosts its URLs point to, exact (`i.scdn.co`) or by suffix (`*.archive.org`): the only hosts art downloads from. */
  hosts: readonly string[];
  /**
   * True when it answers from stored data only: then it is asked inline, while the API lists items,
   * and must return at once (no promise).
   */
  immediate?: boolean;
  /** False while it cannot work (e.g. no Spotify account connected): its subjects wait, unmarked. */
  available?(): boolean;
  /** Least time between two calls of {@link resolve}, ms (its service's rate limit). */
  minIntervalMs?: number;
  /**
   * The art URL of a subject, or null when this source has none.
   * @throws ResolverPause when its service asked to slow down (the resolver rests, the subject waits);
   *   any other error is a failure worth retrying later.
   */
  resolve(subject: ArtSubject): string | null | Promise<string | null>;
}

/** Thrown by a resolver whose service asked it to wait (HTTP 429 Retry-After). */
export class ResolverPause extends Error {
  constructor(readonly retryAfterMs: number, message: string) { super(message); this.name = 'ResolverPause'; }
}

/** Spotify's image CDNs (album images in Web API objects). */
export const SPOTIFY_IMAGE_HOSTS = ['i.scdn.co', 'mosaic.scdn.co', '*.spotifycdn.com'] as const;

/**
 * The album image URL the store already holds (from the Spotify album objects that recently-played
 * and the player return). `extraHosts`: more hosts such URLs may point to (the host of a configured
 * spotify_api_url that is not Spotify's: a proxy or a test server).
 */
export function storedArtResolver(extraHosts: readonly string[] = []): ArtResolver {
  return { name: 'spotify-stored', hosts: [...SPOTIFY_IMAGE_HOSTS, ...extraHosts], immediate: true, resolve: (s) => s.stored_url };
}

/** Picks the image closest to 300 px wide from above (sharp on a phone, a third of the 640 px bytes), else the widest. */
export function pickImage(images: readonly { url: string; width: number | null }[]): string | null {
  const sized = images.filter((i) => (i.width ?? 0) >= 300).sort((a, b) => (a.width ?? 0) - (b.width ?? 0));
  return sized[0]?.url ?? [...images].sort((a, b) => (b.width ?? 0) - (a.width ?? 0))[0]?.url ?? null;
}

/**
 * Art of imported tracks (the exports carry no images): one `GET /tracks/{id}` per subject through a
 * connected account, at most one call per `minIntervalMs` (default 1 s), resting as long as a 429
 * asks. `albumImages(trackId)` is handed in by main.ts (spotify's tracks API with a connected account).
 */
export function spotifyTrackArtResolver({ albumImages, available, minIntervalMs = 1000, extraHosts = [] }: {
  albumImages: (spotifyTrackId: string) => Promise<{ url: string; width: number | null }[] | null>;
  available: () => boolean; minIntervalMs?: number; extraHosts?: readonly string[];
}): ArtResolver {
  return {
    name: 'spotify-track', hosts: [...SPOTIFY_IMAGE_HOSTS, ...extraHosts], available, minIntervalMs,
    async resolve(subject) {
      if (!subject.track_uri) return null;
      try {
        const images = await albumImages(subject.track_uri.slice('spotify:track:'.length));
        return images ? pickImage(images) : null;
      } catch (err) {
        if (err instanceof SpotifyError && err.code === 'SPOTIFY_RATE_LIMITED') throw new ResolverPause((err.retryAfterS ?? 30) * 1000, err.message);
        throw err;
      }
    },
  };
}

/** Where the Cover Art Archive's images live: it answers with a redirect to the Internet Archive. */
export const COVER_ART_ARCHIVE_HOSTS = ['coverartarchive.org', '*.archive.org'] as const;

/**
 * Cover Art Archive images of tracks and albums with no Spotify art, from the ids the metadata
 * enrichment stored (caa_release_mbid, caa_id). `urlOf` is handed in by main.ts
 * (metadata.coverArtUrl); it reads stored data only, so this resolver answers at once.
 * `coverartUrl`: the coverart_url option (its host is allowed too: a mirror or a test server).
 */
export function coverArtArchiveResolver(coverartUrl: string, urlOf: (subject: ArtSubject) => string | null): ArtResolver {
  const host = new URL(coverartUrl).host;
  return { name: 'cover-art-archive', hosts: [...COVER_ART_ARCHIVE_HOSTS, host], immediate: true, resolve: (s) => urlOf(s) };
}
