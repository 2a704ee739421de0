import { lang } from './i18n';

const numberFormat = new Intl.NumberFormat(lang);
export const num = (n: number) => numberFormat.format(n);
export const minutes = (ms: number) => numberFormat.format(Math.round(ms / 60_000));
export const clock = (ms: number) => { const s = Math.max(0, Math.floor(ms / 1000)); return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`; };
const timeFormat = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
export const when = (ms: number) => timeFormat.format(new Date(ms));
export const bytes = (n: number) => `${numberFormat.format(Math.round(n / 1e5) / 10)} MB`;
