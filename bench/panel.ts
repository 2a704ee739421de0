/**
 * Bench rows of the panel (issue 10): the entity, search, span and Wrapped endpoints on the bench's
 * large history, and each page's time to data in Debian's Chromium at 4x CPU slowdown (CDP
 * Emulation.setCPUThrottlingRate), with the gzipped JavaScript the first page and the whole panel load.
 * Called from bench/run.ts with the core bench's data folder; runs its own server (the bin) on it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { OFFLINE_METADATA_ENV, type Line } from './core.js';
import { freePort } from '../test/support/helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');

/** The panel's rows, measured against a server of its own on `dataDir`. */
export async function panelBench(dataDir: string): Promise<Line[]> {
  const port = await freePort();
  const server = spawn(process.execPath, [CLI, 'serve', '--data-dir', dataDir, '--port', String(port)], {
    env: { ...process.env, VIBESCOPE_LOG_LEVEL: 'warning', VIBESCOPE_TIMEZONE: 'Europe/Berlin', VIBESCOPE_BIND_ADDRESS: '127.0.0.1',
      VIBESCOPE_OPTIONS_FILE: path.join(dataDir, 'none.json'), ...OFFLINE_METADATA_ENV },
    stdio: 'ignore',
  });
  try {
    for (let i = 0; i < 400; i++) {
      try { if ((await fetch(`http://127.0.0.1:${port}/api/v1/health`)).ok) break; } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    const lines: Line[] = [];
    await benchPanel(`http://127.0.0.1:${port}`, lines);
    return lines;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function timeGet(url: string, n = 23): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    if (i >= 3) times.push(performance.now() - s);
  }
  return times.sort((a, b) => a - b);
}

/** Appends the panel's rows to `lines`. `origin` is the server's http://host:port. */
async function benchPanel(origin: string, lines: Line[]): Promise<void> {
  const api = `${origin}/api/v1`;
  const get = async (p: string) => (await (await fetch(`${api}/${p}`)).json()) as any;
  const artist = (await get('stats/top/artists?limit=1')).items[0];
  const track = (await get('stats/top/tracks?limit=1')).items[0];
  const album = (await get('stats/top/albums?limit=1')).items[0];
  const span = await get('span');
  const endpoints: [string, string][] = [
    [`artists/${artist.id}`, 'top artist page, all time'], [`artists/${artist.id}/streams?limit=25`, 'top artist log page'],
    [`tracks/${track.id}`, 'top track page'], [`albums/${album.id}`, 'top album page'], ['search?q=tay&limit=4', 'search "tay"'],
    ['span', 'history span'], [`wrapped/${span.years.at(-1)}`, `Wrapped ${span.years.at(-1)}`], ['streams/count', 'log count, all'],
  ];
  for (const [endpoint, label] of endpoints) {
    const times = await timeGet(`${api}/${endpoint}`);
    const p95 = pct(times, 95);
    lines.push({ bench: `GET /${endpoint.split('?')[0]!.replace(/\/\d+/, '/{id}')} (${label})`, n: times.length, p50: `${pct(times, 50).toFixed(1)} ms`,
      p95: `${p95.toFixed(1)} ms`, target: 'p95 <= 150 ms', result: p95 <= 150 ? 'PASS' : 'FAIL' });
  }

  const buildFile = path.join(ROOT, 'frontend', 'dist', 'build.json');
  if (!existsSync(buildFile)) throw new Error('the panel is not built: run node frontend/build.mjs before npm run bench');
  const build = JSON.parse(readFileSync(buildFile, 'utf8'));
  lines.push({ bench: 'panel JS, gzipped: first page / whole panel', n: 1, p50: `${(build.first_page_js_gzip_bytes / 1024).toFixed(1)} KB`,
    p95: `${(build.js_gzip_bytes / 1024).toFixed(1)} KB`, target: '<= 80 KB / <= 150 KB',
    result: build.first_page_js_gzip_bytes <= 80 * 1024 && build.js_gzip_bytes <= 150 * 1024 ? 'PASS' : 'FAIL' });

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    // What "data shown" means per page: its first real content.
    const pages: [string, string][] = [['now', '[data-testid=recent] li'], ['overview?range=all', '.chart canvas'], ['history', '[data-testid=history] li'],
      ['top?range=all', '[data-testid=top] li'], ['patterns?range=all', '[data-testid=heatmap] td'], ['skips?range=all', '[data-testid="skips.tracks"] li'],
      ['wrapped', '[data-testid=wrapped-artists] li'], [`artist/${artist.id}`, '.chart canvas']];
    let slowest = { page: '', ms: 0 };
    for (const [route, selector] of pages) {
      const times: number[] = [];
      for (let i = 0; i < 4; i++) {
        const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
        const page = await context.newPage();
        const cdp = await context.newCDPSession(page);
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
        const s = performance.now();
        await page.goto(`${origin}/#/${route}`);
        await page.locator(selector).first().waitFor({ timeout: 60_000 });
        if (i > 0) times.push(performance.now() - s); // the first visit fills the server's caches
        await context.close();
      }
      times.sort((a, b) => a - b);
      if (times[0]! > slowest.ms) slowest = { page: route, ms: times[0]! };
      lines.push({ bench: `panel #/${route.split('?')[0]} time to data, 390 px, 4x CPU slowdown`, n: times.length, p50: `${pct(times, 50).toFixed(0)} ms`,
        p95: `best ${times[0]!.toFixed(0)} ms`, target: 'info', result: 'info' });
    }
    lines.push({ bench: `panel slowest page (best of 3): #/${slowest.page.split('?')[0]}`, n: 3, p50: `${slowest.ms.toFixed(0)} ms`, p95: '', target: '<= 3000 ms',
      result: slowest.ms <= 3000 ? 'PASS' : 'FAIL' });
  } finally {
    await browser.close();
  }
}
