import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, type Config } from '../../src/config/index.js';
import { openCore } from '../../src/core.js';
import { createSpotify, openTokenStore, PLAYLIST_SCOPES, SCOPES } from '../../src/spotify/index.js';
import { createPlaylists, type PlaylistsDeps } from '../../src/playlists/index.js';
import type { Logger } from '../../src/log.js';
import { startFakeSpotify, type FakeSpotify } from '../support/fake-spotify.js';
import { catalogTrack } from '../support/fake-spotify-playlists.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { fakeClock, quietLogger, tempDir } from '../support/helpers.js';

/** Rows of a real extended-history file (test/fixtures/history/extended). */
export function historyRows(file: string): any[] {
  return JSON.parse(readFileSync(path.join(EXTENDED_DIR, file), 'utf8')) as any[];
}

/**
 * The fake's search catalog from real export rows: one track object per distinct URI (the real search
 * result's shape, with the row's track, artist and album names). Deterministic ISRCs from the URI.
 */
export function catalogFromRows(rows: any[]): { track: any; genres: string[] }[] {
  const seen = new Map<string, { track: any; genres: string[] }>();
  for (const r of rows) {
    if (!r.spotify_track_uri || !r.master_metadata_track_name || seen.has(r.spotify_track_uri)) continue;
    const id = String(r.spotify_track_uri).split(':')[2]!;
    seen.set(r.spotify_track_uri, { track: catalogTrack({ id, name: r.master_metadata_track_name, artist: r.master_metadata_album_artist_name,
      album: r.master_metadata_album_album_name, isrc: `QZ${id.slice(0, 10).toUpperCase()}`, durationMs: 180_000 + (id.charCodeAt(3) % 60) * 1000 }), genres: [] });
  }
  return [...seen.values()];
}

/**
 * A core (in memory, or on disk) with the playlists records registered, a fake Spotify, a connected
 * account (token with the scopes of `scopes`) and the playlists capability over them, on a fake clock.
 */
export async function buildPlaylistsApp({ options = {} as Record<string, unknown>, start = Date.UTC(2025, 0, 3, 6), log = quietLogger() as Logger,
  scopes = [...SCOPES, ...PLAYLIST_SCOPES], dataDir = null as string | null, extra = {} as Partial<PlaylistsDeps> } = {}) {
  const fake: FakeSpotify = await startFakeSpotify();
  const tmp = await tempDir('vibescope-playlists-');
  const clock = fakeClock(start);
  const config: Config = parseConfig({ client_id: 'test-client', spotify_api_url: fake.apiUrl, spotify_accounts_url: fake.accountsUrl, http_timeout_s: 2,
    data_dir: tmp.dir, timezone: 'Europe/Berlin', vibe_playlists: true, ...options });
  const core = await openCore({ dataDir, timeZone: 'Europe/Berlin', log });
  const tokens = await openTokenStore(tmp.dir);
  const grant = fake.grant();
  await tokens.updateAccount('default', { tokens: { access_token: grant.access_token, refresh_token: grant.refresh_token, expires_at: Date.now() + 3_600_000,
    scope: scopes.join(' ') } });
  const spotify = createSpotify({ config, tokens, ingest: core.ingest, bus: core.bus, log, accounts: ['default'] });
  const m3uDir = path.join(tmp.dir, 'm3u');
  const playlists = createPlaylists({ store: core.store, bus: core.bus, health: core.health, log, config, accounts: ['default'],
    spotify: { api: spotify.playlistsApi, grantedScopes: spotify.grantedScopes }, m3uDir, now: clock.now, searchSpacingMs: 0, lastfmSpacingMs: 0, ...extra });
  await playlists.start();
  return {
    fake, core, tokens, spotify, playlists, config, clock, m3uDir, dir: tmp.dir,
    /** Runs to the end; throws when it could not start. */
    async generate(opts: { dry_run?: boolean; kind?: 'vibe' | 'mixtape' } = {}) {
      const { done } = await playlists.generate('default', { ...opts, trigger: 'api' });
      return done;
    },
    async close() { await playlists.stop(); await spotify.stop(); await core.close(); await fake.close(); await tmp.remove(); },
  };
}

export type PlaylistsApp = Awaited<ReturnType<typeof buildPlaylistsApp>>;
