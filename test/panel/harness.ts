/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { parseConfig } from '../../src/config/index.js';
import { startVibescope, type Vibescope } from '../../src/main.js';
import { openTokenStore } from '../../src/spotify/index.js';
import type { FakeSpotify } from '../support/fake-spotify.js';
import { startIngressProxy } from '../support/ingress-proxy.js';
import { quietLogger, tempDir } from '../support/helpers.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUT = path.join(ROOT, 'test-output');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless, never talking to Google. Fails with the package to install when it is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (.ci/run installs it)`);
  if (!existsSync(path.join(ROOT, 'frontend', 'dist', 'index.html'))) throw new Error('the panel is not built: npm test builds it (node frontend/build.mjs)');
  mkdirSync(OUT, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}

export interface PanelServer { app: Vibescope; url: string; origin: string; proxy: Awaited<ReturnType<typeof startIngressProxy>>; dataDir: string; close(): Promise<void> }

/**
 * The real server on a fresh data folder behind the ingress stand-in: imports the given files first
 * (as the importer does for an upload), optionally with the account connected to a fake Spotify.
 */
export async function startPanel({ options = {}, imports = [], fake, connect = [], delay, scopes = {} }: { options?: Record<string, unknown>;
  imports?: { files: string[]; account: string }[]; fake?: FakeSpotify; connect?: string[]; delay?: (p: string) => number;
  /** The consent's scopes per connected account (none by default). */ scopes?: Record<string, string> } = {}): Promise<PanelServer> {
  const tmp = await tempDir('vibescope-panel-');
  if (fake && connect.length) {
    const tokens = await openTokenStore(tmp.dir);
    for (const account of connect) {
      const g = fake.grant();
      await tokens.updateAccount(account, { tokens: { access_token: g.access_token, refresh_token: g.refresh_token, expires_at: Date.now() + 3_600_000, scope: scopes[account] ?? '' } });
    }
  }
  const app = await startVibescope({ config: parseConfig({ metadata_enrichment: false, data_dir: tmp.dir, timezone: 'Europe/Berlin', history_poll_interval_s: 600, player_poll_interval_s: 120,
    ...(fake ? { client_id: 'test-client', spotify_api_url: fake.apiUrl, spotify_accounts_url: fake.accountsUrl } : {}), ...options }),
  addon: false, log: quietLogger(), version: 'test', port: 0, env: {} });
  for (const i of imports) await app.importer.importPaths(i.files, { account: i.account });
  const proxy = await startIngressProxy(app.port, 'Xk3_test-token', delay ? { delay } : {});
  return { app, url: proxy.url, origin: new URL(proxy.url).origin, proxy, dataDir: tmp.dir,
    async close() { await proxy.close(); await app.stop(); await tmp.remove(); } };
}

/**
 * What went wrong in a page: console errors, page errors, failed requests and HTTP >= 400 (except
 * the ones a test allows), and any request that left Vibescope's origin.
 */
export function watch(page: Page, origin: string) {
  const problems: string[] = [];
  const outside: string[] = [];
  const allowed: RegExp[] = [];
  const ok = (text: string) => allowed.some((re) => re.test(text));
  page.on('console', (m) => { if (m.type() === 'error' && !ok(m.text())) problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) outside.push(r.url()); });
  // An aborted fetch is the panel dropping a stale request on purpose.
  page.on('requestfailed', (r) => { const text = `${r.url()} ${r.failure()?.errorText}`; if (!/ERR_ABORTED/.test(text) && !ok(text)) problems.push(`failed: ${text}`); });
  page.on('response', (r) => { const text = `${r.status()} ${r.url()}`; if (r.status() >= 400 && !ok(text)) problems.push(`HTTP ${text}`); });
  return { problems, outside, allow: (re: RegExp) => allowed.push(re) };
}

/** Full-page screenshots at 390 and 1280 px, light and dark, to test-output/. */
export async function shoot(page: Page, name: string, widths: number[] = [390, 1280]): Promise<void> {
  const size = page.viewportSize() ?? { width: 1280, height: 900 };
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of widths) {
      await page.setViewportSize({ width, height: width < 700 ? 844 : 900 });
      await page.screenshot({ path: path.join(OUT, `${name}-${width}-${scheme}.png`), fullPage: true });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(size);
}

export async function newPage(browser: Browser, options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', ...options });
  return { context, page: await context.newPage() };
}

/** The visible text of an element with NBSPs as spaces (Intl puts them before "%" in German). */
export const textOf = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').replace(/\u00a0|\u202f/g, ' ').trim();
