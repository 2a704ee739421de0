/** Imports one file into a data folder through the real importer; prints timings and peak RSS as JSON. */
import { createLogger } from '../src/log.js';
import { openCore } from '../src/core.js';

const [dataDir, ...files] = process.argv.slice(2);
const started = performance.now();
const log = createLogger('warn');
const core = await openCore({ dataDir: dataDir!, timeZone: 'Europe/Berlin', log });
const report = await core.importer.importPaths(files, { account: 'default' });
await core.close();
console.log(JSON.stringify({ ms: Math.round(performance.now() - started), stored: report.totals.streams_stored, ok: report.ok,
  rejected: report.totals.rows_rejected, max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) }));
