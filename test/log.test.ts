import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createLogger, type LogFormat } from '../src/log.js';

/** A logger of the given format writing into memory, one entry a line. */
function capture(format: LogFormat, level = 'trace') {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(...String(chunk).split('\n').filter(Boolean)); cb(); } });
  return { log: createLogger(level, sink, { format }), lines };
}

describe('log: secrets are redacted in every child logger', () => {
  for (const format of ['json', 'plain'] as const) {
    it(`never prints tokens, the client secret, the OAuth code/state, passwords or Authorization headers (${format} lines)`, () => {
      const { log, lines } = capture(format);
      const secret = 'SECRET-TOKEN-123';
      const child = log.child({ module: 'spotify', account: 'anna' }).child({ module: 'spotify.auth' });
      child.info({ access_token: secret, refresh_token: secret }, 'tokens');
      child.info({ tokens: { access_token: secret } }, 'nested');
      child.info({ config: { client_secret: secret, web_password: secret } }, 'config');
      child.info({ code: secret, state: secret, code_verifier: secret }, 'oauth');
      child.warn({ request: { headers: { authorization: `Bearer ${secret}` } } }, 'request');
      child.info({ mqtt_password: secret, web_password: secret }, 'mqtt');
      child.info({ listenbrainz_token: secret, config: { listenbrainz_token: secret } }, 'metadata');
      expect(lines).to.have.length(7);
      child.info({ query: { code: secret }, form: { code: secret, grant_type: 'authorization_code' } }, 'token request');
      const enospc = Object.assign(new Error('disk refused a write'), { code: 'ENOSPC' });
      child.error({ err: enospc }, 'disk full');
      expect(lines.slice(7).join('\n')).to.include('ENOSPC', 'an error\'s errno stays readable');
      expect(lines.join('\n')).to.not.include(secret);
      expect(lines.join('\n')).to.include('[redacted]');
    });
  }
});

describe('log: plain lines for the add-on\'s Log tab', () => {
  it('prints time, level, module, message and the other fields on one line, no JSON envelope', () => {
    const { log, lines } = capture('plain', 'info');
    log.child({ module: 'mqtt' }).info({ broker: 'mqtt://core-mosquitto:1883/', accounts: 2 }, 'mqtt: connected');
    log.child({ module: 'spotify', account: 'anna' }).warn({ kind: 'history' }, 'spotify: poll failed');
    log.child({ module: 'spotify.auth' }).info('spotify: token refreshed');
    log.child({ module: 'web' }).info('listening');
    log.info('vibescope started');
    log.debug('not at info');
    expect(lines).to.have.length(5);
    // bashio's shape: "[HH:MM:SS] LEVEL: message" (hassio-addons/bashio lib/log.sh), then our fields.
    expect(lines[0]).to.match(/^\[\d\d:\d\d:\d\d\] INFO: mqtt: connected \{"broker":"mqtt:\/\/core-mosquitto:1883\/","accounts":2\}$/);
    expect(lines[1]).to.match(/^\[\d\d:\d\d:\d\d\] WARN: spotify: poll failed \{"account":"anna","kind":"history"\}$/);
    expect(lines[2]).to.match(/^\[\d\d:\d\d:\d\d\] INFO: spotify\.auth: token refreshed$/, 'the module, not its prefix twice');
    expect(lines[3]).to.match(/^\[\d\d:\d\d:\d\d\] INFO: web: listening$/);
    expect(lines[4]).to.match(/^\[\d\d:\d\d:\d\d\] INFO: vibescope started$/);
    for (const line of lines) expect(() => JSON.parse(line)).to.throw();
    const now = new Date();
    const [h, m] = lines[4]!.slice(1, 6).split(':').map(Number);
    expect(Math.abs((h! * 60 + m!) - (now.getHours() * 60 + now.getMinutes())) % (24 * 60)).to.be.at.most(1, 'local time of the container');
  });

  it('keeps an error\'s message and stack', () => {
    const { log, lines } = capture('plain', 'info');
    log.error({ err: new Error('disk full') }, 'snapshot failed');
    const text = lines.join('\n');
    expect(text).to.match(/^\[\d\d:\d\d:\d\d\] ERROR: snapshot failed/);
    expect(text).to.include('disk full').and.to.include('log.test.ts');
  });

  it('JSON stays the standalone format: one object a line with level, module and msg', () => {
    const { log, lines } = capture('json', 'info');
    log.child({ module: 'web' }).info({ port: 8099 }, 'listening');
    expect(JSON.parse(lines[0]!)).to.include({ level: 30, module: 'web', msg: 'listening', port: 8099, app: 'vibescope' });
  });
});
