import type { WorldTrack } from '../test/support/metabrainz-world.js';

/**
 * `n` distinct synthetic tracks for the enrichment benchmark: albums of five tracks by one artist,
 * 1 500 artists (names only; the fake world gives them recordings, areas, tags and years).
 */
export function syntheticTracks(n: number): WorldTrack[] {
  return Array.from({ length: n }, (_, i) => {
    const album = Math.floor(i / 5);
    return { artist: `Bench Artist ${album % 1500}`, title: `Bench Song ${i}`, album: `Bench Album ${album}` };
  });
}
