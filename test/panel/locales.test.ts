import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './harness.js';

const load = (lang: string) => JSON.parse(readFileSync(path.join(ROOT, 'frontend', 'src', 'locales', `${lang}.json`), 'utf8')) as Record<string, string>;
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('panel: translations', () => {
  it('German has every English text with the same placeholders, and nothing else', () => {
    const en = load('en');
    const de = load('de');
    expect(Object.keys(de).sort()).to.deep.equal(Object.keys(en).sort());
    for (const key of Object.keys(en)) expect(placeholders(de[key]!), key).to.deep.equal(placeholders(en[key]!));
  });

  it('has a sentence for the error codes a person meets in the panel (others fall back to a generic sentence with the detail)', () => {
    const en = load('en');
    for (const code of ['NETWORK', 'NOT_FOUND', 'BAD_PARAM', 'SPOTIFY_AUTH', 'SPOTIFY_RECONNECT', 'SPOTIFY_UNAVAILABLE', 'SPOTIFY_RATE_LIMITED',
      'STORAGE_FULL', 'STORAGE_READ_ONLY', 'STORAGE_FAILED', 'IMPORT_BAD_FILE', 'IMPORT_EMPTY', 'FORBIDDEN', 'INTERNAL']) expect(en, code).to.have.property(`error.${code}`);
    expect(en['error.generic']).to.contain('{message}');
  });
});
