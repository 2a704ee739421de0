import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Yaml from 'yaml';
import { z } from 'zod';
import { VibescopeError } from '../errors.js';
import { configSchema, type Config } from './schema.js';

export { configSchema, SPOTIFY_API_URL, SPOTIFY_ACCOUNTS_URL } from './schema.js';
export { supervisorMqtt, type SupervisorMqtt } from './supervisor.js';
export { resolveStoryLanguage, storyLanguageOf, type StoryLanguageOption } from './language.js';
export type { Config, AccountConfig } from './schema.js';

/** Where the Home Assistant Supervisor writes the add-on's options. */
export const ADDON_OPTIONS_FILE = '/data/options.json';

/** The account every stream belongs to when no account is configured. */
export const DEFAULT_ACCOUNT = 'default';

/**
 * Validates raw options against {@link configSchema}.
 * @throws VibescopeError CONFIG_INVALID naming each bad option, the value given and what is allowed.
 */
export function parseConfig(raw: unknown): Config {
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(options)';
    const got = 'input' in issue && issue.input !== undefined ? JSON.stringify(issue.input) : 'nothing';
    const message = issue.code === 'unrecognized_keys' ? `unknown option(s) ${issue.keys.join(', ')}` : issue.message;
    return `  ${name}: got ${got}; ${message}`;
  });
  throw new VibescopeError('CONFIG_INVALID', `invalid options:\n${lines.join('\n')}`);
}

/** The Home Assistant ingress port (config.yaml has no ingress_port: the default, 8099). */
export const INGRESS_PORT = 8099;

/**
 * Options the add-on does not offer in its UI because the Supervisor fixes them: the data folder
 * (/data, where options.json lives) and the port ingress proxies to. Environment variables and
 * flags may still override them (tests).
 */
export function addonFixedOptions(optionsFile: string): Record<string, unknown> {
  return { data_dir: path.dirname(optionsFile), port: INGRESS_PORT };
}

/**
 * Options the add-on's Configuration tab does not offer: the ones the Supervisor fixes (data folder,
 * ingress port) and the standalone web server's (the add-on is reached only through ingress, which
 * does its own authentication).
 */
export const STANDALONE_ONLY_OPTIONS: readonly string[] = ['data_dir', 'port', 'bind_address', 'web_username', 'web_password'];

/** Where the options came from, for the log and the health endpoint. */
export interface LoadedConfig {
  config: Config;
  /** true when /data/options.json was read (running as a Home Assistant add-on). */
  addon: boolean;
  sources: string[];
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** CLI flags already parsed, keyed by option name (`data_dir`). */
  flags?: Record<string, unknown>;
  /** Overrides {@link ADDON_OPTIONS_FILE} (tests). */
  optionsFile?: string;
  /** The standalone YAML file (default ./vibescope.yaml). */
  yamlFile?: string;
}

/** The base type of an option's schema (defaults, optionals and refinements unwrapped). */
function baseType(field: z.ZodType): { type: string; element: string | null } {
  let t = field as unknown as { _zod: { def: { type: string; innerType?: unknown; element?: { _zod: { def: { type: string } } } } } };
  while (t._zod.def.innerType) t = t._zod.def.innerType as typeof t;
  return { type: t._zod.def.type, element: t._zod.def.element?._zod.def.type ?? null };
}

/**
 * Converts an environment variable or flag (always a string) to the option's type, read from the
 * schema: booleans (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`), numbers, lists (JSON, or comma
 * separated; `accounts` as `name,name`), strings as they are. A value that does not convert is
 * passed on unchanged so the schema reports it with the option's name.
 */
export function fromEnvString(key: string, value: string): unknown {
  const field = (configSchema.shape as Record<string, z.ZodType>)[key];
  return field ? coerceString(field, value) : value;
}

/** {@link fromEnvString} for one schema field (exported for tests of types the options do not use yet). */
export function coerceString(field: z.ZodType, value: string): unknown {
  const { type, element } = baseType(field);
  const trimmed = value.trim();
  switch (type) {
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lower)) return true;
      if (['false', '0', 'no', 'off'].includes(lower)) return false;
      return value;
    }
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : value;
    case 'array': {
      if (trimmed.startsWith('[')) {
        try { return JSON.parse(trimmed); } catch { return value; } // left as given: the schema reports it
      }
      const items = trimmed === '' ? [] : trimmed.split(',').map((item) => item.trim());
      if (element === 'object') return items.map((name) => ({ name }));
      if (element === 'number') return items.map((item) => (/^-?\d+(\.\d+)?$/.test(item) ? Number(item) : item));
      return items;
    }
    case 'object':
      if (trimmed.startsWith('{')) {
        try { return JSON.parse(trimmed); } catch { return value; } // left as given: the schema reports it
      }
      return value;
    default:
      return value;
  }
}

const require = createRequire(import.meta.url);

/**
 * Reads a JSON or YAML options file. The YAML parser (1 MB of heap) is loaded only for a YAML file:
 * the add-on and environment-configured installs never need it.
 * @throws VibescopeError CONFIG_INVALID when it does not parse.
 */
function readOptionsFile(file: string, yaml: boolean): Record<string, unknown> {
  try {
    const text = readFileSync(file, 'utf8');
    const data: unknown = yaml ? (require('yaml') as typeof Yaml).parse(text) : JSON.parse(text);
    if (data === null || data === undefined) return {};
    if (typeof data !== 'object' || Array.isArray(data)) throw new Error('the top level is not a mapping of options');
    return data as Record<string, unknown>;
  } catch (err) {
    throw new VibescopeError('CONFIG_INVALID', `cannot read ${file}: ${(err as Error).message}`, 500, { cause: err });
  }
}

/**
 * Loads the options: /data/options.json when present (add-on), else ./vibescope.yaml when present;
 * then every `VIBESCOPE_<OPTION>` environment variable; then CLI flags. Runs once, in the CLI.
 * @throws VibescopeError CONFIG_INVALID when a value is invalid.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const optionsFile = options.optionsFile ?? env.VIBESCOPE_OPTIONS_FILE ?? ADDON_OPTIONS_FILE;
  const yamlFile = options.yamlFile ?? env.VIBESCOPE_CONFIG_FILE ?? './vibescope.yaml';
  const raw: Record<string, unknown> = {};
  const sources: string[] = [];
  let addon = false;
  if (existsSync(optionsFile)) {
    Object.assign(raw, readOptionsFile(optionsFile, false));
    sources.push(optionsFile);
    addon = true;
    // The add-on keeps its data next to options.json (/data) and serves ingress on the fixed port.
    for (const [key, value] of Object.entries(addonFixedOptions(optionsFile))) raw[key] = value;
  } else if (existsSync(yamlFile)) {
    Object.assign(raw, readOptionsFile(yamlFile, true));
    sources.push(yamlFile);
  }
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[`VIBESCOPE_${key.toUpperCase()}`];
    if (value !== undefined) {
      raw[key] = fromEnvString(key, value);
      sources.push(`VIBESCOPE_${key.toUpperCase()}`);
    }
  }
  for (const [key, value] of Object.entries(options.flags ?? {})) {
    if (value !== undefined) {
      raw[key] = typeof value === 'string' ? fromEnvString(key, value) : value;
      sources.push(`--${key.replaceAll('_', '-')}`);
    }
  }
  // The add-on writes empty strings for optional fields left blank.
  for (const [key, field] of Object.entries(configSchema.shape)) {
    if (raw[key] === '' && (field as z.ZodType).safeParse(undefined).success) delete raw[key];
  }
  return { config: parseConfig(raw), addon, sources };
}

/** The account names streams can belong to: the configured ones, else `default`. */
export function accountNames(config: Config): string[] {
  return config.accounts.length > 0 ? config.accounts.map((a) => a.name) : [DEFAULT_ACCOUNT];
}

/** The IANA time zone for buckets: the option, else the process's (HA passes TZ to add-ons). */
export function resolveTimeZone(config: Config): string {
  return config.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
