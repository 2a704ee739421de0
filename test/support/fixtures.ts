import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const NEXT_TO_THIS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
/** test/fixtures, also when this module runs compiled from dist/test/support (the bench's fake Spotify). */
export const FIXTURES = existsSync(NEXT_TO_THIS) ? NEXT_TO_THIS : path.join(NEXT_TO_THIS, '..', '..', '..', 'test', 'fixtures');

/** A fixture file parsed as JSON (a fresh copy each call). */
export function fixture<T = any>(relative: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, relative), 'utf8')) as T;
}

export const EXTENDED_DIR = path.join(FIXTURES, 'history', 'extended');
export const ACCOUNT_DIR = path.join(FIXTURES, 'history', 'account');
