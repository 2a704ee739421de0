/** Imports one file into a data folder through the real importer; prints timings and peak RSS as JSON. */
import { createLogger } from '../src/log.js';
import { createBus } from '../src/bus.js';
import { openStore } from '../src/store/index.js';
import { createIngest } from '../src/ingest/index.js';
import { createImporter } from '../src/importers/index.js';

const [dataDir, ...files] = process.argv.slice(2);
const started = performance.now();
const log = createLogger('warn');
const store = await openStore({ dataDir: dataDir!, timeZone: 'Europe/Berlin', log });
const bus = createBus(log);
const ingest = createIngest({ store, bus, log });
const importer = createImporter({ ingest, bus, log });
const report = await importer.importPaths(files, { account: 'default' });
await store.close();
console.log(JSON.stringify({ ms: Math.round(performance.now() - started), stored: report.totals.streams_stored,
  rejected: report.totals.rows_rejected, max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) }));
