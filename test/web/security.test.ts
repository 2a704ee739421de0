import { expect } from 'chai';
import http from 'node:http';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { startVibescope, type Vibescope } from '../../src/main.js';
import { memoryLogger, quietLogger, tempDir, waitFor } from '../support/helpers.js';
import { EXTENDED_DIR } from '../support/fixtures.js';

/** One HTTP request with full control: the local address (127.0.0.2 is a peer that is neither the proxy nor 127.0.0.1) and headers. */
function request(port: number, { method = 'GET', path: p = '/', headers = {}, localAddress = '127.0.0.1', body }: { method?: string; path?: string; headers?: Record<string, string>; localAddress?: string; body?: string } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers, localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const HANDSHAKE = '/socket.io/?EIO=4&transport=polling';

describe('web: security (guards, same origin, basic auth, headers, file modes)', function () {
  this.timeout(30_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let app: Vibescope | null = null;
  beforeEach(async () => { tmp = await tempDir(); });
  afterEach(async () => { await app?.stop(); app = null; await tmp.remove(); });
  const start = async (options: Record<string, unknown>, addon = false, log = quietLogger()) => {
    app = await startVibescope({ config: parseConfig({ metadata_enrichment: false, data_dir: tmp.dir, ...options }), addon, log, version: 'test', port: 0 });
    return app.port;
  };

  it('add-on: REST and the socket.io handshake answer 403 to a peer that is not the ingress proxy or loopback', async () => {
    const port = await start({}, true);
    expect((await request(port, { path: '/api/v1/health', localAddress: '127.0.0.2' })).status).to.equal(403);
    expect((await request(port, { path: HANDSHAKE, localAddress: '127.0.0.2' })).status).to.equal(403);
    expect((await request(port, { path: HANDSHAKE })).status).to.equal(200, 'loopback may open the live channel');
  });

  it('socket.io refuses a handshake from another site (Origin or Sec-Fetch-Site), so it cannot read live events', async () => {
    const port = await start({});
    const host = `127.0.0.1:${port}`;
    expect((await request(port, { path: HANDSHAKE, headers: { origin: 'http://evil.example' } })).status).to.equal(403);
    expect((await request(port, { path: HANDSHAKE, headers: { origin: `http://${host}`, 'sec-fetch-site': 'cross-site' } })).status).to.equal(403);
    expect((await request(port, { path: HANDSHAKE, headers: { origin: `http://${host}` } })).status).to.equal(200);
    expect((await request(port, { path: HANDSHAKE, headers: { 'sec-fetch-site': 'same-origin' } })).status).to.equal(200);
  });

  it('refuses state-changing requests another web page makes the browser send; the panel and non-browser clients pass', async () => {
    const port = await start({});
    const form = `--b\r\nContent-Disposition: form-data; name="files"; filename="x.json"\r\nContent-Type: application/json\r\n\r\n[]\r\n--b--\r\n`;
    const upload = (headers: Record<string, string>) => request(port, { method: 'POST', path: '/api/v1/imports', body: form,
      headers: { 'content-type': 'multipart/form-data; boundary=b', ...headers } });
    const foreign: Record<string, string>[] = [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'http://evil.example' }, { origin: 'null' }];
    for (const headers of foreign) {
      const res = await upload(headers);
      expect(res.status, JSON.stringify(headers)).to.equal(403);
      expect(JSON.parse(res.body).error.message).to.match(/another web site/);
    }
    const sync = await request(port, { method: 'POST', path: '/api/v1/library/scan', headers: { 'sec-fetch-site': 'cross-site' } });
    expect(sync.status).to.equal(403);
    expect((await upload({ 'sec-fetch-site': 'same-origin' })).status).to.equal(202);
    expect((await upload({ origin: `http://127.0.0.1:${port}` })).status).to.equal(202);
    expect((await upload({})).status).to.equal(202, 'curl and the CLI send neither header');
    expect((await request(port, { path: '/api/v1/health', headers: { 'sec-fetch-site': 'cross-site' } })).status).to.equal(200, 'reads are not state changes');
  });

  it('standalone basic auth: 401 without the password, the panel and API with it, health open to loopback only', async () => {
    const port = await start({ web_username: 'anna', web_password: 'correct horse' });
    const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
    const none = await request(port, { path: '/api/v1/streams' });
    expect(none.status).to.equal(401);
    expect(none.headers['www-authenticate']).to.match(/^Basic realm="Vibescope"/);
    expect((await request(port, { path: '/api/v1/streams', headers: basic('anna', 'wrong') })).status).to.equal(401);
    expect((await request(port, { path: '/api/v1/streams', headers: basic('anna', 'correct horse') })).status).to.equal(200);
    expect((await request(port, { path: '/', headers: basic('anna', 'correct horse') })).status).to.equal(200);
    expect((await request(port, { path: '/api/v1/health' })).status).to.equal(200, 'the container health check');
    expect((await request(port, { path: '/api/v1/health', localAddress: '127.0.0.2' })).status).to.equal(401);
    expect((await request(port, { path: HANDSHAKE })).status).to.equal(403, 'the live channel needs the password too');
    expect((await request(port, { path: HANDSHAKE, headers: basic('anna', 'correct horse') })).status).to.equal(200);
  });

  it('refuses basic auth with only one of username and password', () => {
    expect(() => parseConfig({ metadata_enrichment: false, web_username: 'anna' })).to.throw(/web_password: .*both web_username and web_password/);
  });

  it('warns in the log when the panel is open to the network without a password, not when bound to loopback', async () => {
    const open = memoryLogger();
    await start({}, false, open.log);
    await app!.stop(); app = null;
    expect(open.lines.join('\n')).to.match(/open to the whole network without a password/);
    // (start() binds 0.0.0.0 by default; the option bind_address chooses otherwise)
    const closed = memoryLogger();
    app = await startVibescope({ config: parseConfig({ metadata_enrichment: false, data_dir: tmp.dir, bind_address: '127.0.0.1' }), addon: false, log: closed.log, version: 'test', port: 0 });
    expect(closed.lines.join('\n')).to.not.match(/without a password/);
  });

  it('sends security headers on the panel and the API', async () => {
    const port = await start({});
    for (const p of ['/', '/api/v1/health']) {
      const res = await request(port, { path: p });
      expect(res.headers['content-security-policy'], p).to.match(/default-src 'self'/).and.match(/script-src 'self'(;|$)/).and.match(/frame-ancestors 'self'/);
      expect(res.headers['content-security-policy'], p).to.not.match(/unsafe-inline/);
      expect(res.headers['x-content-type-options'], p).to.equal('nosniff');
      expect(res.headers['referrer-policy'], p).to.equal('same-origin');
    }
    const gz = await request(port, { path: '/api/v1/stats/heatmap', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).to.equal('gzip');
  });

  it('keeps the journal and uploads folders 0700 and the token file and snapshot 0600', async () => {
    const port = await start({});
    const form = new FormData();
    form.append('files', new Blob([readFileSync(path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Video_2023.json'))]), 'Streaming_History_Video_2023.json');
    const { job_id } = await (await fetch(`http://127.0.0.1:${port}/api/v1/imports`, { method: 'POST', body: form })).json() as { job_id: string };
    await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${port}/api/v1/imports/${job_id}`)).json()) as { state: string }).state !== 'running', { what: 'import' });
    await app!.tokens.updateAccount('default', { display_name: 'x' });
    const mode = (p: string) => (statSync(path.join(tmp.dir, p)).mode & 0o777).toString(8);
    expect(mode('journal')).to.equal('700');
    expect(mode('uploads')).to.equal('700');
    expect(mode('vibescope.json')).to.equal('600');
    expect(mode('vibescope.db')).to.equal('600');
  });
});
