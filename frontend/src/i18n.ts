import en from './locales/en.json';
import de from './locales/de.json';

type Dict = Record<string, string>;
const dictionaries: Record<string, Dict> = { en, de };

const preferred = (typeof navigator === 'undefined' ? ['en'] : navigator.languages?.length ? navigator.languages : [navigator.language]).filter(Boolean);

/** The full browser locale for numbers and dates (en-GB, de-CH, fr-FR…); Intl falls back by itself. */
export const locale: string = (() => {
  const first = preferred[0] ?? 'en';
  try { return Intl.getCanonicalLocales(first)[0] ?? 'en'; } catch { return 'en'; } // a malformed tag: English
})();

/** The language of the texts: the first browser language we have a dictionary for, else English. */
export const lang: string = preferred.map((l) => l.slice(0, 2).toLowerCase()).find((l) => l in dictionaries) ?? 'en';

/** Where the texts and the numbers disagree (texts in English for a French browser), numbers follow the texts' language only if the locale is one of its own. */
export const numberLocale: string = locale.slice(0, 2).toLowerCase() === lang || !(lang in dictionaries) ? locale : lang;

const plurals = new Intl.PluralRules(numberLocale);

/** A translated text with {placeholders} filled in (as text, never HTML). */
export function t(key: string, values: Record<string, string | number> = {}): string {
  const text = dictionaries[lang]?.[key] ?? (en as Dict)[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
}

/** A text that depends on a count ("1 play", "2 plays"): keys `<key>.one`, `<key>.other` (Intl.PluralRules). */
export function tn(key: string, count: number, values: Record<string, string | number> = {}): string {
  const form = plurals.select(count);
  const dict = dictionaries[lang] ?? en;
  const chosen = `${key}.${form}` in dict || `${key}.${form}` in en ? `${key}.${form}` : `${key}.other`;
  return t(chosen, values);
}

/** True when the key has a translation (error codes with their own sentence). */
export const has = (key: string) => key in (dictionaries[lang] ?? {}) || key in en;
