import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** The file in data_dir that remembers this install's MQTT identity and the discovery mode last published. */
export const IDENTITY_FILE = 'mqtt.json';

/** Files whose presence means a server ran on this folder before (and may have published discovery without instance ids). */
const EARLIER_INSTALL_FILES = ['vibescope.db', 'vibescope.db.prev', 'journal'];

const identitySchema = z.object({
  /** 8 lower-case hex digits, generated once: `vibescope-<id>` is the MQTT client id. */
  instance_id: z.string().regex(/^[0-9a-f]{8}$/),
  /**
   * `instance`: device identifiers, discovery ids and unique_ids carry the instance id
   * (`vibescope_<id>_<account>`). `legacy`: they do not (`vibescope_<account>`), because this data
   * folder published them before instance ids existed and changing a unique_id would make Home
   * Assistant create new entities (new ids, settings lost).
   */
  id_scheme: z.enum(['instance', 'legacy']),
  /** The discovery mode whose configs are at the broker (null: none published yet). */
  discovery_mode: z.enum(['device', 'entity']).nullable(),
});

/** This install's MQTT identity (see {@link IDENTITY_FILE}). */
export type MqttIdentity = z.infer<typeof identitySchema>;

/** temp → fsync → rename; the temp file is removed when any step fails. */
async function writeAtomic(file: string, identity: MqttIdentity): Promise<void> {
  const tmp = `${file}.tmp`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(`${JSON.stringify(identity, null, 2)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Reads the identity from `<dataDir>/mqtt.json`, creating it on the first start: a random instance
 * id, and the `legacy` id scheme when the folder already holds data of an earlier version (so its
 * Home Assistant entities keep their unique_ids). Call it before the store opens (it looks at
 * which files exist). A damaged file is set aside (`mqtt.json.damaged`) and a new identity made.
 * Never throws: when the folder cannot be written (read-only, disk full) the identity is derived
 * from the folder's path with the legacy scheme, so ids stay the same from one start to the next,
 * and `error` says why.
 */
export async function loadMqttIdentity(dataDir: string): Promise<MqttIdentity & { created: boolean; error: Error | null }> {
  const file = path.join(dataDir, IDENTITY_FILE);
  try {
    try {
      const parsed = identitySchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (parsed.success) return { ...parsed.data, created: false, error: null };
      await rename(file, `${file}.damaged`);
    } catch (err) {
      if (err instanceof SyntaxError) await rename(file, `${file}.damaged`);
      else if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const earlier = EARLIER_INSTALL_FILES.some((f) => existsSync(path.join(dataDir, f)));
    const identity: MqttIdentity = { instance_id: randomBytes(4).toString('hex'), id_scheme: earlier ? 'legacy' : 'instance', discovery_mode: null };
    await mkdir(dataDir, { recursive: true });
    await writeAtomic(file, identity);
    return { ...identity, created: true, error: null };
  } catch (err) {
    const instance_id = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 8);
    return { instance_id, id_scheme: 'legacy', discovery_mode: null, created: false, error: err as Error };
  }
}

/**
 * Remembers the discovery mode now at the broker (after a migration).
 * @throws the file system's error when the file cannot be written.
 */
export async function saveMqttIdentity(dataDir: string, identity: MqttIdentity): Promise<void> {
  await writeAtomic(path.join(dataDir, IDENTITY_FILE),
    { instance_id: identity.instance_id, id_scheme: identity.id_scheme, discovery_mode: identity.discovery_mode });
}
