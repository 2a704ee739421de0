import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './harness.js';

const LOCALES = path.join(ROOT, 'frontend', 'src', 'locales');
const load = (file: string) => JSON.parse(readFileSync(path.join(LOCALES, file), 'utf8')) as Record<string, string>;
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
/** The shared dictionary (en.json) and the pages' own (story.en.json, data.en.json…), by their English file. */
const englishFiles = readdirSync(LOCALES).filter((f) => f === 'en.json' || f.endsWith('.en.json')).sort();

describe('panel: translations', () => {
  it('German has every English text with the same placeholders, and nothing else, in the shared and every page\'s dictionary', () => {
    expect(englishFiles).to.include.members(['en.json', 'story.en.json', 'data.en.json']);
    for (const file of englishFiles) {
      const en = load(file);
      const de = load(file.replace(/en\.json$/, 'de.json'));
      expect(Object.keys(de).sort(), file).to.deep.equal(Object.keys(en).sort());
      for (const key of Object.keys(en)) expect(placeholders(de[key]!), `${file}: ${key}`).to.deep.equal(placeholders(en[key]!));
    }
  });

  it('defines each text once: a page\'s dictionary never repeats a shared or another page\'s key', () => {
    const seen = new Map<string, string>();
    for (const file of englishFiles) {
      for (const key of Object.keys(load(file))) {
        expect(seen.get(key), `${key} is in ${file} and ${seen.get(key)}`).to.equal(undefined);
        seen.set(key, file);
      }
    }
  });

  it('has a sentence for the error codes a person meets in the panel (others fall back to a generic sentence with the detail)', () => {
    const en = load('en.json');
    for (const code of ['NETWORK', 'NOT_FOUND', 'BAD_PARAM', 'SPOTIFY_AUTH', 'SPOTIFY_RECONNECT', 'SPOTIFY_UNAVAILABLE', 'SPOTIFY_RATE_LIMITED',
      'STORAGE_FULL', 'STORAGE_READ_ONLY', 'STORAGE_FAILED', 'IMPORT_BAD_FILE', 'IMPORT_EMPTY', 'FORBIDDEN', 'INTERNAL']) expect(en, code).to.have.property(`error.${code}`);
    expect(en['error.generic']).to.contain('{message}');
  });

  it('has a sentence in both languages for every reason a story provider fails and every grounding rule', () => {
    for (const file of ['story.en.json', 'story.de.json']) {
      const texts = load(file);
      // src/errors.ts StoryFailureReason; src/story/grounding.ts Violation['rule'].
      for (const reason of ['auth', 'quota', 'unavailable', 'timeout', 'network', 'blocked', 'malformed', 'bad_request', 'config']) {
        expect(texts, `${file}: ${reason}`).to.have.property(`story.failed.${reason}`);
      }
      for (const rule of ['number', 'name', 'key']) expect(texts, `${file}: ${rule}`).to.have.property(`story.fault.${rule}`);
    }
  });
});
