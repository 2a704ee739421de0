/**
 * The story's cost on a data folder: the facts of the newest full week and year (SQL over the
 * streams), the payload's size, and the grounding check of the template story. Prints JSON.
 */
import { createLogger } from '../src/log.js';
import { openCore } from '../src/core.js';
import { checkGrounding, templateStory } from '../src/story/index.js';

const [dataDir] = process.argv.slice(2);
const core = await openCore({ dataDir: dataDir!, timeZone: 'Europe/Berlin', log: createLogger('warn'), readOnly: true });
const newest = core.store.sql.get<{ t: number }>('SELECT max(ended_at) AS t FROM streams')!.t;
const time = (fn: () => unknown, n: number) => {
  const times: number[] = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); fn(); times.push(performance.now() - t); }
  return times.sort((a, b) => a - b);
};
const weekFacts = () => core.stats.facts({ account: 'default', period: 'week', now: newest });
const week = time(weekFacts, 11);
const year = time(() => core.stats.facts({ account: 'default', period: 'year', now: newest }), 3);
const facts = weekFacts();
const story = templateStory(facts, 'en', 'friendly');
const grounding = time(() => checkGrounding(story, facts, { language: 'en' }), 11);
console.log(JSON.stringify({ streams: core.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams')!.n, week_ms: week, year_ms: year,
  grounding_ms: grounding, facts_bytes: Buffer.byteLength(JSON.stringify(facts)), grounded: checkGrounding(story, facts, { language: 'en' }).ok }));
await core.close();
