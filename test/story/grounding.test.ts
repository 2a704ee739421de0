import { expect } from 'chai';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { buildCore } from '../support/core.js';
import { checkGrounding, indexFacts, templateStory, type StoryOutput } from '../../src/story/index.js';
import { findNumbers, parseGermanNumberWord } from '../../src/story/numbers.js';
import { findUnknownNames, type NameCheckOptions } from '../../src/story/names.js';
import { parseStoryOutput, sentenceCount } from '../../src/story/schema.js';
import type { StoryFacts } from '../../src/stats/index.js';
import { coreWithHistory, NOW, WEEK } from './support.js';

const values = (text: string, l: 'en' | 'de') => findNumbers(text, l).map((n) => [n.candidates[0]!.value, n.unit]);

describe('story grounding: numbers as a story writes them', () => {
  it('reads digits with the language\'s separators, percentages, hours, minutes and "2 h 17 min"', () => {
    expect(values('103 plays, 21.2% more, 1,234 streams, 6.5 hours, 137 minutes, 2 h 17 min', 'en')).to.deep.equal([
      [137, 'hours_minutes'], [103, 'plain'], [21.2, 'percent'], [1234, 'plain'], [6.5, 'hours'], [137, 'minutes']]);
    expect(values('103 Plays, 21,2 % mehr, 1.234 Streams, 6,5 Stunden, 2 Stunden und 17 Minuten', 'de')).to.deep.equal([
      [137, 'hours_minutes'], [103, 'plain'], [21.2, 'percent'], [1234, 'plain'], [6.5, 'hours']]);
    expect(findNumbers('12.5', 'en')[0]!.candidates).to.deep.equal([{ value: 12.5, decimals: 1 }]);
  });

  it('reads numbers written out in English and German, but not "one"/"ein" (articles) or ordinals', () => {
    expect(values('twenty-one skips, three hundred and five plays, one song, the first track, twice', 'en')).to.deep.equal([[21, 'plain'], [305, 'plain']]);
    expect(values('einundzwanzig Skips, dreimal, ein Song, der erste Titel, zweihundertfünf Plays', 'de')).to.deep.equal([[21, 'plain'], [3, 'plain'], [205, 'plain']]);
    expect(['zwölf', 'siebzehn', 'dreißig', 'neunundneunzig', 'tausendeins', 'nacht', 'elfen'].map(parseGermanNumberWord)).to.deep.equal([12, 17, 30, 99, 1001, null, null]);
  });
});

describe('story grounding: names', () => {
  const base: NameCheckOptions = { language: 'en', factNames: ['Taylor Swift', '1989 (Taylor\'s Version)', 'Who’s Afraid of Little Old Me?'], factGenres: [],
    libraryNames: ['Big Red Machine'], allowedWords: ['The Night Owl'] };
  const found = (text: string, o = base) => findUnknownNames(text, o).map((v) => [v.text, v.why]);

  it('accepts the facts\' names in any case, with curly quotes, without their bracketed suffix, and the persona', () => {
    expect(found('Taylor Swift ruled with "Who\'s Afraid of Little Old Me?" and 1989 on repeat. The Night Owl in you loved taylor swift. Swift again!')).to.deep.equal([]);
  });

  it('catches a quoted non-name, a library artist not in the facts, a genre not in the facts and capitalised names', () => {
    expect(found('You loved "Hey Jude", Big Red Machine, lo-fi and Phoebe Bridgers on Tuesday.')).to.deep.equal([
      ['Hey Jude', 'quoted'], ['Big Red Machine', 'library'], ['lo-fi', 'genre'], ['Phoebe Bridgers', 'capitalised']]);
    expect(found('Your indie pop week.', { ...base, factGenres: ['indie pop'] })).to.deep.equal([]);
  });

  it('in German flags runs of capitalised words and ALL-CAPS, not single nouns', () => {
    expect(found('Deine Woche mit Taylor Swift: am Dienstag Nachmittag lief viel Musik von Phoebe Bridgers und ABBA.', { ...base, language: 'de' })).to.deep.equal([
      ['Phoebe Bridgers', 'capitalised'], ['ABBA', 'capitalised']]);
  });
});

describe('story grounding: a story against its facts', function () {
  this.timeout(60_000);
  let facts: StoryFacts;
  let close: () => Promise<void>;
  before(async () => {
    const core = await coreWithHistory();
    facts = core.stats.facts({ account: 'default', period: 'week', start: WEEK, now: NOW });
    close = () => core.close();
  });
  after(() => close());

  const story = (patch: Partial<StoryOutput> = {}): StoryOutput => ({
    title: `${facts.totals.plays} plays`,
    summary: `You listened for ${Math.round(facts.totals.listening_minutes / 6) / 10} hours.`,
    highlights: [
      { text: `${facts.top_artists[0]!.name}: ${facts.top_artists[0]!.share_pct}% of your plays.`, fact_keys: ['top_artists[0]'] },
      { text: `Plays changed by ${Math.abs(facts.totals.change.plays_pct!)}%.`, fact_keys: ['totals.change.plays_pct'] },
      { text: `Your longest session: ${Math.floor(facts.sessions.longest!.minutes / 60)} h ${facts.sessions.longest!.minutes % 60} min.`, fact_keys: ['sessions.longest'] },
    ],
    persona: { name: 'The devotee', description: 'One artist, one obsession.' },
    ...patch,
  });

  it('accepts numbers from the facts at the documented rounding, and cited keys in bracket or dotted form', () => {
    const result = checkGrounding(story(), facts, { language: 'en' });
    expect(result.violations).to.deep.equal([]);
    expect(result.ok).to.equal(true);
    expect(result.numbers_checked).to.be.greaterThan(4);
  });

  it('rejects an invented number, a count written as a percentage, and a number the cited key does not hold', () => {
    const plays = facts.totals.plays;
    const result = checkGrounding(story({
      title: `${plays + 1} plays`,
      summary: `${plays}% of the time you listened.`,
      highlights: [...story().highlights.slice(0, 2), { text: `You played ${plays} tracks.`, fact_keys: ['skips.count'] }],
    }), facts, { language: 'en' });
    expect(result.ok).to.equal(false);
    expect(result.violations.map((v) => [v.field, v.rule, v.text])).to.deep.equal([
      ['title', 'number', String(plays + 1)], ['summary', 'number', `${plays}%`], ['highlights.2.text', 'key', String(plays)]]);
    expect(result.violations[2]!.message).to.include('totals.plays');
  });

  it('rejects a cited key that does not exist and an artist the facts do not hold', () => {
    const result = checkGrounding(story({ highlights: [...story().highlights.slice(0, 2),
      { text: 'Phoebe Bridgers would approve.', fact_keys: ['top_artists.7.name'] }] }), facts, { language: 'en' });
    expect(result.violations.map((v) => [v.rule, v.text])).to.deep.equal([['key', 'top_artists.7.name'], ['name', 'Phoebe Bridgers']]);
  });

  it('lets the persona have a title-like name, but not a genre or a library name the facts do not hold', () => {
    expect(checkGrounding(story({ persona: { name: 'The Midnight Devotee', description: 'Loyal to the end.' } }), facts, { language: 'en' }).ok).to.equal(true);
    const result = checkGrounding(story({ persona: { name: 'The Jazz Cat', description: 'Smooth.' } }), facts, { language: 'en', libraryNames: ['Midnights'] });
    expect(result.violations.map((v) => [v.field, v.rule, v.text])).to.deep.equal([['persona.name', 'name', 'Jazz']]);
  });

  it('indexes every key path and the numbers inside dates and times', () => {
    const index = indexFacts(facts);
    expect(index.keys.has('top_artists.0.name')).to.equal(true);
    expect(index.keys.has('sessions.by_day_part.evening.plays')).to.equal(true);
    expect(index.leaves.some((l) => l.path === 'period.start' && l.value === 2024)).to.equal(true);
    expect(index.names).to.include(facts.top_artists[0]!.name);
  });

  it('the summary holds at most 3 sentences and a reply must be the schema\'s JSON', () => {
    expect(sentenceCount('You played 12.5 hours. That was a lot. Fine! And more?')).to.equal(4);
    const tooLong = parseStoryOutput(JSON.stringify(story({ summary: 'One. Two. Three. Four.' })));
    expect(tooLong.ok).to.equal(false);
    expect(parseStoryOutput('```json\n' + JSON.stringify(story()) + '\n```').ok).to.equal(true);
    expect(parseStoryOutput('not json').ok).to.equal(false);
  });
});

describe('story template: grounded for every week of the real exports, in en and de, friendly and roast', function () {
  this.timeout(120_000);
  it('passes its own grounding check and the schema for every week with data and for empty ones', async () => {
    const core = await buildCore({ timeZone: 'Europe/Berlin' });
    await core.importer.importPaths([EXTENDED_DIR], { account: 'default' });
    let checked = 0;
    for (let d = Date.UTC(2023, 11, 25); d < Date.UTC(2026, 5, 8); d += 7 * 86_400_000) {
      const f = core.stats.facts({ account: 'default', period: 'week', start: new Date(d).toISOString().slice(0, 10), now: NOW });
      for (const language of ['en', 'de'] as const) {
        for (const tone of ['friendly', 'roast'] as const) {
          const s = templateStory(f, language, tone);
          expect(parseStoryOutput(JSON.stringify(s)).ok, `${f.period.start} ${language} ${tone} schema`).to.equal(true);
          const g = checkGrounding(s, f, { language });
          expect(g.violations, `${f.period.start} ${language} ${tone}`).to.deep.equal([]);
          checked++;
        }
      }
    }
    for (const period of ['month', 'year'] as const) {
      const f = core.stats.facts({ account: 'default', period, start: '2024-10-01', now: NOW });
      expect(checkGrounding(templateStory(f, 'de', 'friendly'), f, { language: 'de' }).violations).to.deep.equal([]);
    }
    expect(checked).to.be.greaterThan(500);
    await core.close();
  });
});
