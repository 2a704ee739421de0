import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** test/fixtures, from the sources (tsx) or from dist/test/support (the compiled benchmarks). */
export const FIXTURES = [path.join(HERE, '..', 'fixtures'), path.join(HERE, '..', '..', '..', 'test', 'fixtures')].find((d) => existsSync(d)) ?? path.join(HERE, '..', 'fixtures');

/** A fixture file parsed as JSON (a fresh copy each call). */
export function fixture<T = any>(relative: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, relative), 'utf8')) as T;
}

export const EXTENDED_DIR = path.join(FIXTURES, 'history', 'extended');
export const ACCOUNT_DIR = path.join(FIXTURES, 'history', 'account');
