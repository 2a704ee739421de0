import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const S6 = path.join(ROOT, 'rootfs', 'etc', 's6-overlay', 's6-rc.d');

export const readYaml = (file: string): any => parse(readFileSync(path.join(ROOT, file), 'utf8'));

/** Dockerfile instructions with continuation lines joined and comments dropped. */
export function dockerInstructions(): { op: string; args: string }[] {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\r?\n/g, ' ');
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((l) => { const m = /^(\S+)\s*(.*)$/.exec(l)!; return { op: m[1]!.toUpperCase(), args: m[2]!.trim() }; });
}

/**
 * A Supervisor option-schema element: supervisor/apps/options.py RE_SCHEMA_ELEMENT (types str, password,
 * int, float, bool, email, url, port, match(), list(), device; optional `?`).
 */
export const RE_SCHEMA_ELEMENT = /^(?:|bool|email|url|port|device(?:\((?<filter>subsystem=[a-z]+)\))?|str(?:\((?<s_min>\d+)?,(?<s_max>\d+)?\))?|password(?:\((?<p_min>\d+)?,(?<p_max>\d+)?\))?|int(?:\((?<i_min>-?\d+)?,(?<i_max>-?\d+)?\))?|float(?:\((?<f_min>-?[\d.]+)?,(?<f_max>-?[\d.]+)?\))?|match\((?<match>.*)\)|list\((?<list>.+)\))\??$/;

/** Validates one default value against a schema element (the §3 validators, re-implemented). */
export function valueMatches(element: string, value: unknown): boolean {
  const m = RE_SCHEMA_ELEMENT.exec(element);
  if (!m) return false;
  const type = element.replace(/\?$/, '').replace(/\(.*$/, '');
  const g = m.groups ?? {};
  switch (type) {
    case 'bool': return typeof value === 'boolean';
    case 'str': case 'password': return typeof value === 'string'
      && (g.s_min ?? g.p_min ? value.length >= Number(g.s_min ?? g.p_min) : true)
      && (g.s_max ?? g.p_max ? value.length <= Number(g.s_max ?? g.p_max) : true);
    case 'int': return Number.isInteger(value) && (g.i_min === undefined || (value as number) >= Number(g.i_min))
      && (g.i_max === undefined || (value as number) <= Number(g.i_max));
    case 'float': return typeof value === 'number';
    case 'port': return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
    case 'url': try { new URL(String(value)); return true; } catch { return false; }
    case 'email': return typeof value === 'string' && value.includes('@');
    case 'match': return typeof value === 'string' && new RegExp(g.match!).test(value);
    case 'list': return g.list!.split('|').includes(String(value));
    default: return false;
  }
}

/** Every path under a folder (files only), relative to it. */
export function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full).map((f) => path.join(name, f)) : [name];
  });
}
