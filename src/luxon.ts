import { createRequire } from 'node:module';
import type * as Luxon from 'luxon';

/**
 * Luxon, loaded through `require`: node-schedule's cron-parser requires Luxon's CommonJS build, and an
 * ESM `import 'luxon'` would load Luxon's ES build besides it (package.json "exports": `import` →
 * build/es6, `require` → build/node), so a server at rest held the same library twice (its two 0.5 MB
 * sources and their compiled code). Every module of Vibescope takes Luxon from here.
 */
const luxon = createRequire(import.meta.url)('luxon') as typeof Luxon;

export const { DateTime, IANAZone } = luxon;
/** Luxon's DateTime (its type; the value is the export of the same name). */
export type DateTime<IsValid extends boolean = boolean> = Luxon.DateTime<IsValid>;
