import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort, tempDir } from './helpers.js';

function findMosquitto(): string {
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto']) if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error('mosquitto is not installed: apt-get install -y mosquitto (.ci/run installs it)');
}


async function waitForPort(port: number, up: boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => { socket.destroy(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (open === up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto port ${port} did not become ${up ? 'open' : 'closed'}`);
}

/**
 * A real mosquitto on a free loopback port (no persistence: a restart forgets retained messages).
 * With `users` it refuses anonymous clients and checks a password file (mosquitto_passwd); `setUsers`
 * rewrites that file, read again at the next `start()`.
 */
export async function startMosquitto({ users }: { users?: Record<string, string> } = {}) {
  const bin = findMosquitto();
  const port = await freePort();
  const tmp = await tempDir('vibescope-mosquitto-');
  const conf = path.join(tmp.dir, 'mosquitto.conf');
  const passwords = path.join(tmp.dir, 'passwords');
  function setUsers(list: Record<string, string>): void {
    writeFileSync(passwords, '');
    for (const [user, password] of Object.entries(list)) {
      const res = spawnSync('mosquitto_passwd', ['-b', passwords, user, password], { encoding: 'utf8' });
      if (res.error || res.status !== 0) throw new Error(`mosquitto_passwd failed (apt-get install -y mosquitto): ${res.error?.message ?? res.stderr}`);
    }
    // mosquitto started as root reads the file as its own user "mosquitto".
    chmodSync(tmp.dir, 0o755);
    chmodSync(passwords, 0o644);
  }
  if (users) setUsers(users);
  writeFileSync(conf, `listener ${port} 127.0.0.1\npersistence false\n`
    + (users ? `allow_anonymous false\npassword_file ${passwords}\n` : 'allow_anonymous true\n'));
  let proc: ChildProcess | null = null;
  let output = '';
  async function start(): Promise<void> {
    proc = spawn(bin, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (c) => { output += String(c); });
    proc.stderr!.on('data', (c) => { output += String(c); });
    try { await waitForPort(port, true); } catch (err) { throw new Error(`${(err as Error).message}: ${output}`); }
  }
  async function stop(): Promise<void> {
    const p = proc; proc = null;
    if (!p || p.exitCode !== null) return;
    p.kill('SIGTERM');
    await new Promise((r) => p.once('exit', r));
    await waitForPort(port, false);
  }
  await start();
  return { url: `mqtt://127.0.0.1:${port}`, port, start, stop, setUsers, output: () => output,
    async close() { await stop(); await tmp.remove(); } };
}

export type Mosquitto = Awaited<ReturnType<typeof startMosquitto>>;

/** A client that listens like Home Assistant: every topic, keeping the last message and the log. */
export async function haClient(url: string, topics = ['#'], auth: { username?: string; password?: string } = {}) {
  const client: MqttClient = mqtt.connect(url, { reconnectPeriod: 200, clientId: `ha-test-${Math.random().toString(16).slice(2)}`, ...auth });
  const last = new Map<string, { payload: string; retain: boolean }>();
  const log: { topic: string; payload: string; retain: boolean }[] = [];
  client.on('message', (topic, buf, packet) => {
    const entry = { topic, payload: buf.toString('utf8'), retain: packet.retain };
    last.set(topic, entry); log.push(entry);
  });
  await new Promise<void>((resolve, reject) => { client.once('connect', () => resolve()); client.once('error', reject); });
  if (topics.length > 0) await client.subscribeAsync(topics, { qos: 1 });
  return { client, last, log, value: (topic: string) => last.get(topic)?.payload, close: () => client.endAsync(true) };
}
