import { expect } from 'chai';
import { memoryLogger } from './support/helpers.js';

describe('log: secrets are redacted in every child logger', () => {
  it('never prints tokens, the client secret, the OAuth code/state or Authorization headers', () => {
    const { log, lines } = memoryLogger();
    const secret = 'SECRET-TOKEN-123';
    const child = log.child({ module: 'spotify', account: 'anna' }).child({ module: 'spotify.auth' });
    child.info({ access_token: secret, refresh_token: secret }, 'tokens');
    child.info({ tokens: { access_token: secret } }, 'nested');
    child.info({ config: { client_secret: secret } }, 'config');
    child.info({ code: secret, state: secret, code_verifier: secret }, 'oauth');
    child.warn({ request: { headers: { authorization: `Bearer ${secret}` } } }, 'request');
    child.info({ mqtt_password: secret }, 'mqtt');
    child.info({ listenbrainz_token: secret, config: { listenbrainz_token: secret } }, 'metadata');
    expect(lines).to.have.length(7);
    expect(lines.join('\n')).to.not.include(secret);
    expect(lines.join('\n')).to.include('[redacted]');
  });
});
