import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { VibescopeError } from '../errors.js';
import { configSchema, type Config } from './schema.js';

export { configSchema, SPOTIFY_API_URL, SPOTIFY_ACCOUNTS_URL } from './schema.js';
export { supervisorMqtt, type SupervisorMqtt } from './supervisor.js';
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

/** Converts an environment string to the option's type (numbers, JSON arrays, comma lists). */
function fromEnvString(key: string, value: string): unknown {
  const shape = configSchema.shape as Record<string, z.ZodType>;
  const field = shape[key];
  if (!field) return value;
  const probe = field.safeParse(value);
  if (probe.success) return value;
  const trimmed = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try { return JSON.parse(trimmed); } catch { return value; } // left as given: the schema reports it
  }
  if (key === 'accounts') return trimmed === '' ? [] : trimmed.split(',').map((name) => ({ name: name.trim() }));
  if (key === 'library_paths') return trimmed === '' ? [] : trimmed.split(',').map((p) => p.trim());
  return value;
}

/** Reads a JSON or YAML options file. @throws VibescopeError CONFIG_INVALID when it does not parse. */
function readOptionsFile(file: string, yaml: boolean): Record<string, unknown> {
  try {
    const text = readFileSync(file, 'utf8');
    const data: unknown = yaml ? parseYaml(text) : JSON.parse(text);
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
  for (const key of ['client_secret', 'mqtt_url', 'mqtt_username', 'mqtt_password']) if (raw[key] === '') delete raw[key];
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
