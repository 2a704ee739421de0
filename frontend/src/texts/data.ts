import en from '../locales/data.en.json';
import de from '../locales/data.de.json';
import { pageTexts } from '../i18n';

/** The Data page's texts (its own dictionaries, loaded with its code), then the shared ones. */
export const { t, tn, has } = pageTexts({ en, de });
