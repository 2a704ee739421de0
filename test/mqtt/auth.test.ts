import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { startVibescope } from '../../src/main.js';
import { startMosquitto, haClient } from '../support/mosquitto.js';
import { memoryLogger, tempDir, waitFor } from '../support/helpers.js';

describe('mqtt: a broker that refuses the credentials (real mosquitto with a password file)', function () {
  this.timeout(90_000);

  it('keeps retrying after "not authorized" with growing waits, says so in health, and connects once the broker knows the user', async () => {
    const broker = await startMosquitto({ users: { homeassistant: 'ha-password-1' } }); // Vibescope's user is not there yet
    const tmp = await tempDir();
    const { log, lines } = memoryLogger('info');
    const app = await startVibescope({ config: parseConfig({ metadata_enrichment: false, data_dir: tmp.dir, mqtt_url: broker.url, mqtt_username: 'vibescope',
      mqtt_password: 'vibes-password-1' }), addon: false, log, version: 't', port: 0, env: {} });
    try {
      const clientId = `vibescope-${JSON.parse(readFileSync(path.join(tmp.dir, 'mqtt.json'), 'utf8')).instance_id}`;
      // The broker's own log counts the refused attempts (Vibescope is the only client with a wrong login); the test notes when each shows up.
      const refusals = () => broker.output().split('\n').filter((l) => /disconnected, not authori[sz]ed/i.test(l)).length;
      const seenAt: number[] = [];
      for (let n = 1; n <= 4; n++) {
        await waitFor(() => refusals() >= n, { timeoutMs: 20_000, intervalMs: 10, what: `refused attempt ${n}` });
        seenAt.push(Date.now());
      }
      const gaps = seenAt.slice(1).map((t, i) => t - seenAt[i]!);
      expect(gaps[1]!, `back-off grows (${gaps.join(', ')} ms)`).to.be.greaterThan(gaps[0]! * 1.5);
      expect(gaps[2]!, `back-off grows (${gaps.join(', ')} ms)`).to.be.greaterThan(gaps[1]! * 1.5);
      expect(app.mqtt.status()).to.include({ enabled: true, connected: false });
      expect(app.mqtt.status().last_error).to.match(/not authori[sz]ed/i);
      const problem = app.health.state().problems.find((p) => p.id === 'mqtt')!;
      expect(problem).to.include({ code: 'MQTT_NOT_AUTHORIZED' });
      expect(problem.message).to.include('user name or password').and.not.include('vibes-password-1');
      const health = await (await fetch(`http://127.0.0.1:${app.port}/api/v1/health`)).json() as any;
      expect(health.status).to.equal('degraded');
      expect(lines.filter((l) => l.includes('mqtt: error')).length, 'one error line, not one per attempt').to.equal(1);
      expect(lines.join('\n')).to.not.include('vibes-password-1');

      // The user is added (e.g. the Mosquitto add-on got the login): the next attempt succeeds without a restart of Vibescope.
      broker.setUsers({ homeassistant: 'ha-password-1', vibescope: 'vibes-password-1' });
      await broker.stop();
      await broker.start();
      await waitFor(() => app.mqtt.status().connected, { timeoutMs: 40_000, what: 'connected after the user was added' });
      expect(broker.output()).to.include(`as ${clientId}`);
      expect(app.health.state().problems.find((p) => p.id === 'mqtt'), 'the problem is cleared').to.equal(undefined);
      const ha = await haClient(broker.url, ['vibescope/status'], { username: 'homeassistant', password: 'ha-password-1' });
      try {
        await waitFor(() => ha.value('vibescope/status') === 'online', { what: 'online' });
      } finally { await ha.close(); }
    } finally { await app.stop(); await broker.close(); await tmp.remove(); }
  });

  it('says the broker is unreachable in health while it is down, and clears it when it is back', async () => {
    const broker = await startMosquitto();
    await broker.stop();
    const tmp = await tempDir();
    const app = await startVibescope({ config: parseConfig({ metadata_enrichment: false, data_dir: tmp.dir, mqtt_url: broker.url }), addon: false, log: memoryLogger('warn').log,
      version: 't', port: 0, env: {} });
    try {
      const problem = await waitFor(() => app.health.state().problems.find((p) => p.id === 'mqtt'), { what: 'unreachable reported' });
      expect(problem.code).to.equal('MQTT_UNREACHABLE');
      expect(problem.message).to.include('cannot reach the MQTT broker');
      await broker.start();
      await waitFor(() => app.mqtt.status().connected, { timeoutMs: 20_000, what: 'connected' });
      expect(app.health.state().status).to.equal('ok');
    } finally { await app.stop(); await broker.close(); await tmp.remove(); }
  });
});
