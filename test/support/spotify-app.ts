import { parseConfig, type Config } from '../../src/config/index.js';
import { createSpotify, openTokenStore } from '../../src/spotify/index.js';
import { buildCore } from './core.js';
import { startFakeSpotify } from './fake-spotify.js';
import { quietLogger, tempDir } from './helpers.js';
import type { Logger } from '../../src/log.js';

/** A fake Spotify, a real core (in memory) and the spotify capability pointed at the fake. */
export async function buildSpotifyApp({ log = quietLogger() as Logger, options = {} as Record<string, unknown>, dataDir = null as string | null } = {}) {
  const fake = await startFakeSpotify();
  const tmp = await tempDir();
  const config: Config = parseConfig({ client_id: 'test-client-id', spotify_api_url: fake.apiUrl, spotify_accounts_url: fake.accountsUrl,
    http_timeout_s: 1, data_dir: tmp.dir, ...options });
  const core = await buildCore({ log, dataDir });
  const tokens = await openTokenStore(tmp.dir);
  const spotify = createSpotify({ config, tokens, ingest: core.ingest, bus: core.bus, health: core.health, log, accounts: ['default'] });
  /** Runs the consent flow end to end against the fake (the browser step included). */
  async function connect(account = 'default') {
    const { url } = await spotify.startConnect(account);
    const landed = await fake.consent(url);
    return spotify.finishConnect(landed);
  }
  return {
    fake, core, tokens, spotify, config, dir: tmp.dir, connect,
    async close() { await spotify.stop(); await core.close(); await fake.close(); await tmp.remove(); },
  };
}
