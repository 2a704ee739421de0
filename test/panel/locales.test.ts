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

  it('has a sentence for every error code the server sends', () => {
    const en = load('en');
    const codes = [...readFileSync(path.join(ROOT, 'src', 'errors.ts'), 'utf8').matchAll(/\|\s+'([A-Z_]+)'/g)].map((m) => m[1]!);
    expect(codes.length).to.be.greaterThan(10);
    for (const code of codes) expect(en, code).to.have.property(`error.${code}`);
  });
});
