import en from './locales/en.json';
import de from './locales/de.json';

type Dict = Record<string, string>;
/** Dictionaries by language (en is the fallback of every text). */
export type Dictionaries = { en: Dict; de: Dict };
const dictionaries: Dictionaries = { en, de };

const preferred = (typeof navigator === 'undefined' ? ['en'] : navigator.languages?.length ? navigator.languages : [navigator.language]).filter(Boolean);

/** The full browser locale for numbers and dates (en-GB, de-CH, fr-FR…); Intl falls back by itself. */
export const locale: string = (() => {
  const first = preferred[0] ?? 'en';
  try { return Intl.getCanonicalLocales(first)[0] ?? 'en'; } catch { return 'en'; } // a malformed tag: English
})();

/** The language of the texts: the first browser language we have a dictionary for, else English. */
export const lang: 'en' | 'de' = (preferred.map((l) => l.slice(0, 2).toLowerCase()).find((l) => l in dictionaries) ?? 'en') as 'en' | 'de';

/** Where the texts and the numbers disagree (texts in English for a French browser), numbers follow the texts' language only if the locale is one of its own. */
export const numberLocale: string = locale.slice(0, 2).toLowerCase() === lang || !(lang in dictionaries) ? locale : lang;

const plurals = new Intl.PluralRules(numberLocale);

/**
 * t / tn / has over layers of dictionaries (the first layer that has a key in the reader's language
 * wins, then English in the same order).
 */
function textsOf(layers: Dictionaries[]) {
  const lookup = (key: string): string | undefined => {
    for (const l of layers) { const v = l[lang][key]; if (v !== undefined) return v; }
    for (const l of layers) { const v = l.en[key]; if (v !== undefined) return v; }
    return undefined;
  };
  /** A translated text with {placeholders} filled in (as text, never HTML). */
  const t = (key: string, values: Record<string, string | number> = {}): string =>
    (lookup(key) ?? key).replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
  /** A text that depends on a count ("1 play", "2 plays"): keys `<key>.one`, `<key>.other` (Intl.PluralRules). */
  const tn = (key: string, count: number, values: Record<string, string | number> = {}): string => {
    const form = `${key}.${plurals.select(count)}`;
    return t(lookup(form) !== undefined ? form : `${key}.other`, values);
  };
  /** True when the key has a translation (error codes with their own sentence). */
  const has = (key: string): boolean => lookup(key) !== undefined;
  /** The {placeholders} a text takes, in order ("Check {key} {where}" → key, where). */
  const placeholders = (key: string): string[] => [...(lookup(key) ?? '').matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return { t, tn, has, placeholders };
}

export const { t, tn, has, placeholders } = textsOf([dictionaries]);

/**
 * The texts of a page that loads its own code (locales/<page>.<lang>.json, bundled with the page, not
 * with the first page): its own dictionaries first, then the shared ones.
 */
export const pageTexts = (own: Dictionaries) => textsOf([own, dictionaries]);
