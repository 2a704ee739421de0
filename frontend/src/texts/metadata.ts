import en from '../locales/metadata.en.json';
import de from '../locales/metadata.de.json';
import { pageTexts } from '../i18n';

/** The texts of the metadata cards (Overview, Settings, artist and track pages, the coverage lines), then the shared ones. */
export const { t, tn, has } = pageTexts({ en, de });
