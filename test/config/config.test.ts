import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { loadConfig, parseConfig, configSchema, coerceString } from '../../src/config/index.js';
import { tempDir } from '../support/helpers.js';

describe('config: one zod schema, options.json / vibescope.yaml / VIBESCOPE_* / flags', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { tmp = await tempDir(); });
  afterEach(async () => { await tmp.remove(); });
  const none = () => ({ optionsFile: path.join(tmp.dir, 'absent.json'), yamlFile: path.join(tmp.dir, 'absent.yaml') });

  it('has Spotify defaults and the documented defaults', () => {
    const c = parseConfig({});
    expect(c).to.include({ spotify_api_url: 'https://api.spotify.com/v1', spotify_accounts_url: 'https://accounts.spotify.com',
      redirect_uri: 'http://127.0.0.1:8888/callback', history_poll_interval_s: 60, player_poll_interval_s: 15, skip_threshold_s: 30,
      data_dir: './data', port: 8099 });
  });

  it('reads every option from VIBESCOPE_<OPTION>, converting by type', () => {
    const { config } = loadConfig({ ...none(), env: { VIBESCOPE_PORT: '9000', VIBESCOPE_DATA_DIR: '/srv/vibes', VIBESCOPE_ACCOUNTS: 'anna,ben',
      VIBESCOPE_SKIP_THRESHOLD_S: '20', VIBESCOPE_TIMEZONE: 'Europe/Berlin' } });
    expect(config.port).to.equal(9000);
    expect(config.data_dir).to.equal('/srv/vibes');
    expect(config.accounts.map((a) => a.name)).to.deep.equal(['anna', 'ben']);
    expect(config.skip_threshold_s).to.equal(20);
    for (const key of Object.keys(configSchema.shape)) expect(key).to.match(/^[a-z0-9_]+$/, 'options are snake_case');
  });

  it('converts environment strings by the option\'s schema type: booleans, numbers, lists', () => {
    const flag = z.boolean().default(true);
    for (const yes of ['true', 'TRUE', '1', 'yes', 'on']) expect(coerceString(flag, yes), yes).to.equal(true);
    for (const no of ['false', '0', 'no', 'off']) expect(coerceString(flag, no), no).to.equal(false);
    expect(flag.safeParse(coerceString(flag, 'maybe')).success).to.equal(false, 'an unknown word is refused by the schema, not guessed');
    expect(coerceString(z.int().min(1).optional(), '42')).to.equal(42);
    expect(coerceString(z.number().default(0.3), '0.25')).to.equal(0.25);
    expect(coerceString(z.array(z.string()).default([]), '/music, /more')).to.deep.equal(['/music', '/more']);
    expect(coerceString(z.array(z.string()).default([]), '["/a,b"]')).to.deep.equal(['/a,b']);
    expect(coerceString(z.string().optional(), 'true')).to.equal('true', 'a string option keeps the text');
    expect(coerceString(z.enum(['device', 'entity']).default('device'), 'entity')).to.equal('entity');
  });

  it('prefers /data/options.json (add-on), then env, then CLI flags', () => {
    const options = path.join(tmp.dir, 'options.json');
    writeFileSync(options, JSON.stringify({ client_id: 'abc', port: 8100, client_secret: '' }));
    const loaded = loadConfig({ optionsFile: options, env: { VIBESCOPE_PORT: '8200' }, flags: { data_dir: '/flag' } });
    expect(loaded.addon).to.equal(true);
    expect(loaded.config).to.include({ client_id: 'abc', port: 8200, data_dir: '/flag' });
    expect(loaded.config.client_secret).to.equal(undefined, 'an empty optional field from the add-on UI is absent');
  });

  it('reads ./vibescope.yaml standalone', () => {
    const yaml = path.join(tmp.dir, 'vibescope.yaml');
    writeFileSync(yaml, 'client_id: from-yaml\naccounts:\n  - name: anna\n    display_name: Anna\n');
    const loaded = loadConfig({ optionsFile: path.join(tmp.dir, 'absent.json'), yamlFile: yaml, env: {} });
    expect(loaded.addon).to.equal(false);
    expect(loaded.config.accounts).to.deep.equal([{ name: 'anna', display_name: 'Anna' }]);
  });

  it('stops on an invalid value naming the option, the value and what is allowed', () => {
    const bad = (env: Record<string, string>) => { try { loadConfig({ ...none(), env }); return ''; } catch (err) { return (err as Error).message; } };
    expect(bad({ VIBESCOPE_SKIP_THRESHOLD_S: '2' })).to.match(/skip_threshold_s: got 2; .*>=5/);
    expect(bad({ VIBESCOPE_PORT: 'eighty' })).to.match(/port: got "eighty"/);
    expect(bad({ VIBESCOPE_REDIRECT_URI: 'http://localhost:8888/callback' })).to.match(/redirect_uri: .*localhost/);
    expect(bad({ VIBESCOPE_TIMEZONE: 'Mars/Olympus' })).to.match(/timezone: got "Mars\/Olympus"; an IANA time zone/);
    expect(bad({ VIBESCOPE_ACCOUNTS: 'a,b,c,d,e,f' })).to.match(/accounts: .*at most 5/);
    expect(bad({ VIBESCOPE_LOG_LEVEL: 'loud' })).to.match(/log_level: got "loud"/);
    expect(() => parseConfig({ colour: 'red' })).to.throw(/unknown option\(s\) colour/);
  });
});
