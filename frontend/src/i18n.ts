import en from './locales/en.json';
import de from './locales/de.json';

type Dict = Record<string, string>;
const dictionaries: Record<string, Dict> = { en, de };

/** The browser's language if we have it, else English. */
export const lang: string = (navigator.languages ?? [navigator.language]).map((l) => l.slice(0, 2)).find((l) => l in dictionaries) ?? 'en';

/** A translated text with {placeholders} filled in (as text, never HTML). */
export function t(key: string, values: Record<string, string | number> = {}): string {
  const text = dictionaries[lang]?.[key] ?? en[key as keyof typeof en] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
}
