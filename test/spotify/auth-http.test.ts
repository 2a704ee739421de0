import { expect } from 'chai';
import { statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSpotifyApp } from '../support/spotify-app.js';
import { memoryLogger } from '../support/helpers.js';
import { parseCallback } from '../../src/spotify/index.js';
import { SpotifyError } from '../../src/errors.js';

describe('spotify: PKCE consent, tokens, HTTP client faults', function () {
  this.timeout(30_000);
  let app: Awaited<ReturnType<typeof buildSpotifyApp>>;
  let logLines: string[];
  beforeEach(async () => {
    const { log, lines } = memoryLogger();
    logLines = lines;
    app = await buildSpotifyApp({ log });
  });
  afterEach(async () => { await app.close(); });


  it('connects with PKCE (S256 verified by the fake), stores tokens 0600 and never logs them', async () => {
    const { account } = await app.connect();
    expect(account).to.equal('default');
    const file = path.join(app.dir, 'vibescope.json');
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    const token = saved.accounts.default.tokens.refresh_token as string;
    expect(token).to.match(/^rt-/);
    const form = app.fake.requests.find((r) => r.path === '/api/token')!.form!;
    expect(form.grant_type).to.equal('authorization_code');
    expect(form.code_verifier).to.have.length.greaterThan(42);
    await app.spotify.syncNow('default');
    expect(logLines.join('\n')).to.not.include(token);
    expect(logLines.join('\n')).to.not.include(saved.accounts.default.tokens.access_token);
  });

  it('checks the pasted address (scheme, host, path, code, state) before any token request; rejects a state it did not issue', async () => {
    const cb = 'http://127.0.0.1:8888/callback';
    expect(parseCallback(`  ${cb}?code=abcdefgh123&state=xyzxyzxyz  `, cb)).to.deep.equal({ code: 'abcdefgh123', state: 'xyzxyzxyz' });
    expect(() => parseCallback('?code=abcdefgh123&state=xyzxyzxyz', cb)).to.throw(/whole address/);
    expect(() => parseCallback('abcdefgh123', cb)).to.throw(/whole address/);
    expect(() => parseCallback('http://evil.example:8888/callback?code=abcdefgh123&state=xyzxyzxyz', cb)).to.throw(/not the one Spotify sends you back to/);
    expect(() => parseCallback('http://127.0.0.1:9999/callback?code=abcdefgh123&state=xyzxyzxyz', cb)).to.throw(/not the one/);
    expect(() => parseCallback('http://127.0.0.1:8888/other?code=abcdefgh123&state=xyzxyzxyz', cb)).to.throw(/not the one/);
    expect(() => parseCallback(`${cb}?code=abcdefgh123`, cb)).to.throw(/no valid state/);
    expect(() => parseCallback(`${cb}?state=xyzxyzxyz&code=<script>`, cb)).to.throw(/no valid code/);
    expect(() => parseCallback(`${cb}?error=access_denied&state=xyzxyzxyz`, cb)).to.throw(/access_denied/);
    const { url } = await app.spotify.startConnect('default');
    const landed = await app.fake.consent(url);
    const tokenCalls = () => app.fake.count('/api/token');
    const before = tokenCalls();
    const forged = landed.replace(/state=[^&]+/, 'state=forgedforged');
    for (const bad of [forged, landed.replace('127.0.0.1:8888', 'attacker.example'), new URL(landed).searchParams.get('code')!]) {
      try { await app.spotify.finishConnect(bad); expect.fail('should throw'); } catch (err) {
        expect((err as { status?: number }).status, bad).to.equal(400);
        expect((err as Error).message).to.match(/^[A-Z].*\.$/);
      }
    }
    expect(tokenCalls()).to.equal(before, 'no token request for an address that fails the checks');
    expect((await app.spotify.finishConnect(landed)).account).to.equal('default');
    expect(tokenCalls()).to.equal(before + 1);
  });

  it('refreshes on 401 and keeps a rotated refresh token', async () => {
    await app.connect();
    const before = app.tokens.account('default').tokens!.refresh_token;
    app.fake.expireAccessTokens();
    const status = await app.spotify.syncNow('default');
    expect(status.state).to.equal('ok');
    expect(app.tokens.account('default').tokens!.refresh_token).to.not.equal(before);
    app.fake.state.refreshMode = 'keep';
    app.fake.expireAccessTokens();
    const kept = app.tokens.account('default').tokens!.refresh_token;
    await app.spotify.syncNow('default');
    expect(app.tokens.account('default').tokens!.refresh_token).to.equal(kept, 'no refresh_token returned: the old one stays');
  });

  it('invalid_grant marks the account needs-reconnect and stops polling it, with no retry loop', async () => {
    await app.connect();
    app.spotify.start();
    app.fake.state.refreshMode = 'invalid_grant';
    app.fake.expireAccessTokens();
    const status = await app.spotify.syncNow('default').catch(() => app.spotify.status('default'));
    expect(app.tokens.account('default').needs_reconnect).to.equal(true);
    expect(app.spotify.status('default')!.state).to.equal('needs_reconnect');
    const refreshes = app.fake.count('/api/token');
    try { await app.spotify.syncNow('default'); expect.fail('should throw'); } catch (err) {
      expect((err as SpotifyError).code).to.equal('SPOTIFY_RECONNECT');
    }
    expect(app.fake.count('/api/token')).to.equal(refreshes, 'no further token requests');
    void status;
  });

  it('honours 429 Retry-After before retrying', async () => {
    await app.connect();
    app.fake.fault('/v1/me/player/recently-played', { status: 429, retryAfterS: 1 });
    const status = await app.spotify.syncNow('default');
    expect(status.state).to.equal('ok');
    const calls = app.fake.requests.filter((r) => r.path === '/v1/me/player/recently-played');
    expect(calls).to.have.length(2);
    expect(calls[1]!.at - calls[0]!.at).to.be.at.least(1000);
  });

  it('reports a long Retry-After as rate_limited instead of waiting inline', async () => {
    await app.connect();
    app.fake.fault('/v1/me/player/recently-played', { status: 429, retryAfterS: 120 });
    const statuses: string[] = [];
    app.core.bus.on('sync.status', 'test', (s) => { statuses.push(`${s.state}:${s.last_error ?? ''}`); });
    await app.spotify.syncNow('default');
    expect(app.fake.count('/v1/me/player/recently-played')).to.equal(1);
    expect(statuses.join('\n')).to.match(/rate_limited:.*retry after 120 s/);
  });

  it('backs off and retries 5xx and timeouts, then succeeds', async () => {
    await app.connect();
    app.fake.fault('/v1/me/player/recently-played', { status: 500 }, { status: 503 });
    app.fake.fault('/v1/me/player', { delayMs: 1500 });
    const status = await app.spotify.syncNow('default');
    expect(status.state).to.equal('ok');
    expect(app.fake.count('/v1/me/player/recently-played')).to.equal(3);
    expect(app.fake.count('/v1/me/player')).to.equal(2);
  });

  it('turns malformed JSON into a clear error, shown in the sync status', async () => {
    await app.connect();
    app.fake.fault('/v1/me/player/recently-played', { malformed: true });
    app.fake.state.player = null;
    await app.spotify.syncNow('default');
    expect(app.spotify.status('default')!.state).to.equal('ok', 'the player poll after it succeeded');
    const errors = logLines.filter((l) => l.includes('poll failed'));
    expect(errors.join('\n')).to.include('malformed JSON');
    expect(errors.join('\n')).to.not.include('Bearer');
  });
});
