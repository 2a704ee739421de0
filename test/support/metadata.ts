import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createMetadata, type Metadata } from '../../src/metadata/index.js';
import type { Core } from '../../src/core.js';
import { parseConfig } from '../../src/config/index.js';
import { EXTENDED_DIR } from './fixtures.js';
import { quietLogger, waitFor } from './helpers.js';
import type { WorldTrack } from './metabrainz-world.js';

/** One extended-history row, as a test's own simple pass reads it. */
export interface HistoryRow { ts: string; ms_played: number; spotify_track_uri: string | null; master_metadata_track_name: string | null;
  master_metadata_album_artist_name: string | null; master_metadata_album_album_name: string | null }

/** The real extended-history rows (test/fixtures/history/extended, every file the importer reads). */
export function historyRows(files = readdirSync(EXTENDED_DIR).filter((f) => f.endsWith('.json'))): HistoryRow[] {
  return files.flatMap((f) => JSON.parse(readFileSync(path.join(EXTENDED_DIR, f), 'utf8')) as HistoryRow[]);
}

/** The distinct tracks (artist, title, album) of history rows, for the fake world. */
export function worldTracks(rows: HistoryRow[]): WorldTrack[] {
  return rows.filter((r) => r.spotify_track_uri && r.master_metadata_track_name && r.master_metadata_album_artist_name)
    .map((r) => ({ artist: r.master_metadata_album_artist_name!, title: r.master_metadata_track_name!, album: r.master_metadata_album_album_name }));
}

/** Options for {@link buildMetadata}: the fakes' URLs, the token, and the (shortened) pacing. */
export interface MetadataOptions {
  lbUrl: string; mbUrl: string; token?: string | null; enabled?: boolean;
  mbIntervalMs?: number; lbIntervalMs?: number; timeoutS?: number; laneBackoffMs?: number;
}

/**
 * The metadata capability over a core, pointed at the fake servers. Pacing is shortened for tests
 * (the fake MusicBrainz enforces the same shortened interval), the rules stay the same.
 */
export function buildMetadata(core: Core, { lbUrl, mbUrl, token = 'lb-test-token', enabled = true, mbIntervalMs = 25, lbIntervalMs = 0,
  timeoutS = 2, laneBackoffMs = 40 }: MetadataOptions): Metadata {
  const config = parseConfig({ metadata_enrichment: enabled, listenbrainz_api_url: lbUrl, musicbrainz_api_url: mbUrl, coverart_url: 'http://127.0.0.1:9/caa',
    http_timeout_s: timeoutS, ...(token ? { listenbrainz_token: token } : {}) });
  return createMetadata({ store: core.store, bus: core.bus, health: core.health, log: quietLogger(), version: '0.1.0-test', config,
    musicbrainzIntervalMs: mbIntervalMs, listenbrainzIntervalMs: lbIntervalMs, backoffBaseMs: 20, laneBackoffBaseMs: laneBackoffMs, checkpointMinWrites: 1 });
}

/** Waits until nothing is left to do (every track resolved or not_found, all bulk metadata fetched). */
export async function drained(metadata: Metadata, timeoutMs = 60_000): Promise<void> {
  await waitFor(() => {
    const s = metadata.status();
    return s.queue_length === 0 && s.state === 'idle';
  }, { timeoutMs, what: () => `enrichment drained (status: ${JSON.stringify(metadata.status().tracks)} queue ${metadata.status().queue_length} ${metadata.status().state})` });
}
