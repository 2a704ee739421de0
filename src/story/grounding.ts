import type { StoryFacts } from '../stats/index.js';
import { findNumbers, type StoryLanguage, type TextNumber } from './numbers.js';
import { createMasker, findUnknownNames } from './names.js';
import type { StoryOutput } from './schema.js';

/** Version of the grounding rules (stored with every check). */
export const GROUNDING_RULES = 'vibescope.grounding/1';

/** One thing in a story that the facts do not back. `message` is English: it is shown to the model on the retry. */
export interface Violation {
  rule: 'number' | 'name' | 'key';
  /** Where: title, summary, highlights.2.text, highlights.2.fact_keys, persona.description… */
  field: string;
  /** The words at fault as written. */
  text: string;
  message: string;
}

/** The result of a grounding check. */
export interface GroundingResult {
  ok: boolean;
  rules: typeof GROUNDING_RULES;
  violations: Violation[];
  /** How many numbers were checked, and how many times names of the facts were found. */
  numbers_checked: number;
  names_checked: number;
}

interface Leaf { path: string; value: number; minutes: boolean; percent: boolean }

/** The facts as the check needs them: every key path, every number (with its path), every name. */
export interface FactIndex {
  keys: Set<string>;
  leaves: Leaf[];
  names: string[];
  genres: string[];
}

/** Paths whose `name` / `artist` / `track` strings are names of music. */
const NAME_LISTS = ['top_artists', 'top_tracks', 'top_albums', 'top_genres', 'new_artists.top', 'skips.most_skipped', 'outliers.most_repeated', 'mood.outliers'];
const NAME_FIELDS = new Set(['name', 'artist', 'track']);

/**
 * Indexes a facts payload: key paths are dotted, arrays by 0-based index (`top_artists.0.plays`).
 * Numbers in strings count too: the parts of ISO dates and HH:mm times, digits inside names.
 */
export function indexFacts(facts: StoryFacts): FactIndex {
  const index: FactIndex = { keys: new Set(), leaves: [], names: [], genres: [] };
  const walk = (value: unknown, path: string) => {
    if (path) index.keys.add(path);
    if (Array.isArray(value)) { value.forEach((v, i) => walk(v, path ? `${path}.${i}` : String(i))); return; }
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
      return;
    }
    const segments = path.split('.');
    const percent = segments.some((s) => s.endsWith('_pct') || s.endsWith('_pts'));
    const minutes = segments.at(-1)!.endsWith('minutes');
    if (typeof value === 'number' && Number.isFinite(value)) index.leaves.push({ path, value, minutes, percent });
    if (typeof value === 'string') {
      for (const d of value.match(/\d+/g) ?? []) index.leaves.push({ path, value: Number(d), minutes: false, percent: false });
      if (NAME_FIELDS.has(segments.at(-1)!) && NAME_LISTS.some((l) => path.startsWith(`${l}.`))) {
        index.names.push(value);
        if (path.startsWith('top_genres.')) index.genres.push(value);
      }
    }
  };
  walk(facts, '');
  return index;
}

/** `top_artists[0].name`, `facts.totals.plays` → `top_artists.0.name`, `totals.plays`. */
export function normalizeKey(key: string): string {
  return key.trim().replace(/\[(\d+)\]/g, '.$1').replace(/^facts\./, '').replace(/^\.+|\.+$/g, '');
}

const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;
function roundTo(v: number, d: number): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}

/**
 * Whether a number as written is backed by a fact value (the documented rounding): a number with d
 * decimals matches |v| rounded to d decimals; a percentage only a `_pct` / `_pts` fact; minutes only a
 * minutes fact; hours a minutes fact ÷ 60 (rounded, or for whole hours also rounded down: "over 6
 * hours"); "2 h 17 min" a minutes fact of exactly 137.
 */
export function numberMatches(n: TextNumber, leaf: Leaf): boolean {
  const v = Math.abs(leaf.value);
  const same = (x: number, d: number) => near(roundTo(v, d), x);
  switch (n.unit) {
    case 'percent': return leaf.percent && n.candidates.some((c) => same(c.value, c.decimals));
    case 'minutes': return leaf.minutes && n.candidates.some((c) => same(c.value, c.decimals));
    case 'hours': return leaf.minutes && n.candidates.some((c) => near(roundTo(v / 60, c.decimals), c.value) || (c.decimals === 0 && Math.floor(v / 60) === c.value));
    case 'hours_minutes': return leaf.minutes && Math.round(v) === n.total_minutes;
    default: return n.candidates.some((c) => same(c.value, c.decimals));
  }
}

/** The leaves under the cited keys (and the period's dates, which any sentence may mention). */
function scoped(index: FactIndex, keys: string[]): Leaf[] {
  const prefixes = [...keys, 'period'];
  return index.leaves.filter((l) => prefixes.some((k) => l.path === k || l.path.startsWith(`${k}.`)));
}

export interface GroundingOptions {
  language: StoryLanguage;
  /** Names of the user's library that may be mentioned only if the facts hold them (catalog artists, albums, tracks). */
  libraryNames?: readonly string[];
}

/**
 * Checks a story against its facts, in code (GROUNDING_RULES):
 * - numbers (digits, percentages, durations, numbers written out in en/de) must be backed by a fact value
 *   ({@link numberMatches}); in a highlight, by a value under the keys it cites;
 * - every fact key cited must exist in the facts;
 * - names of music must be names the facts hold (names.ts, rules 1–4).
 * Names are masked before numbers are read, so "1989 (Taylor's Version)" is a name, not a number.
 */
export function checkGrounding(output: StoryOutput, facts: StoryFacts, options: GroundingOptions, index = indexFacts(facts)): GroundingResult {
  const violations: Violation[] = [];
  let numbersChecked = 0; let namesChecked = 0;
  const persona = output.persona.name;
  const masker = createMasker(index.names);
  const nameOptions = { language: options.language, factNames: index.names, factGenres: index.genres, masker,
    libraryNames: (options.libraryNames ?? []).filter((n) => !index.names.includes(n)), allowedWords: [persona] };

  const checkText = (field: string, text: string, leaves: Leaf[] | null, citedKeys: string[]) => {
    // The persona's name may be title-like; its words are allowed elsewhere, but not to smuggle in a name of the library or a genre.
    const own = field === 'persona.name' ? { ...nameOptions, allowedWords: [], skipCapitalised: true } : nameOptions;
    for (const v of findUnknownNames(text, own)) {
      violations.push({ rule: 'name', field, text: v.text, message: nameMessage(v.text, v.why) });
    }
    namesChecked += masker.count(text);
    const masked = masker.mask(text);
    for (const n of findNumbers(masked, options.language)) {
      numbersChecked++;
      if ((leaves ?? index.leaves).some((l) => numberMatches(n, l))) continue;
      const elsewhere = leaves ? index.leaves.find((l) => numberMatches(n, l)) : undefined;
      if (elsewhere) {
        violations.push({ rule: 'key', field, text: n.text,
          message: `"${n.text}" is not under the keys this highlight cites (${citedKeys.join(', ')}); it matches ${elsewhere.path}: cite that key` });
      } else {
        violations.push({ rule: 'number', field, text: n.text, message: `"${n.text}" is not in the facts${unitHint(n)}: use only numbers from the facts` });
      }
    }
  };

  checkText('title', output.title, null, []);
  checkText('summary', output.summary, null, []);
  output.highlights.forEach((h, i) => {
    const keys = h.fact_keys.map(normalizeKey);
    for (const [j, key] of keys.entries()) {
      if (!index.keys.has(key)) {
        violations.push({ rule: 'key', field: `highlights.${i}.fact_keys`, text: h.fact_keys[j]!,
          message: `fact key "${h.fact_keys[j]}" does not exist in the facts; cite dotted paths such as totals.plays or top_artists.0.name` });
      }
    }
    checkText(`highlights.${i}.text`, h.text, scoped(index, keys.filter((k) => index.keys.has(k))), keys);
  });
  checkText('persona.name', output.persona.name, null, []);
  checkText('persona.description', output.persona.description, null, []);
  return { ok: violations.length === 0, rules: GROUNDING_RULES, violations, numbers_checked: numbersChecked, names_checked: namesChecked };
}

function unitHint(n: TextNumber): string {
  switch (n.unit) {
    case 'percent': return ' as a percentage (only *_pct and *_pts facts are percentages)';
    case 'hours': return ' as hours (hours are minutes facts divided by 60)';
    case 'minutes': case 'hours_minutes': return ' as minutes';
    default: return n.written_out ? ' (written out)' : '';
  }
}

function nameMessage(text: string, why: 'quoted' | 'library' | 'capitalised' | 'genre'): string {
  switch (why) {
    case 'quoted': return `the quoted "${text}" is not a name in the facts: quote only track, album, artist or genre names from the facts`;
    case 'library': return `"${text}" is not in the facts: name only artists, tracks, albums and genres the facts hold`;
    case 'genre': return `the genre "${text}" is not in the facts (top_genres): name only genres the facts hold`;
    default: return `"${text}" looks like a name that is not in the facts: name only artists, tracks, albums and genres the facts hold, and write in sentence case`;
  }
}
