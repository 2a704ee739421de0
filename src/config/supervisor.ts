import axios from 'axios';
import type { Logger } from '../log.js';

/** The broker the Supervisor offers (GET /services/mqtt; https://developers.home-assistant.io/docs/apps/communication). */
export interface SupervisorMqtt { host: string; port: number; ssl: boolean; username?: string; password?: string }

/**
 * Asks the Supervisor for the MQTT service (config.yaml declares `services: [mqtt:want]`). Returns null
 * when there is no token (standalone), no broker is installed, or the Supervisor cannot be reached.
 */
export async function supervisorMqtt(env: NodeJS.ProcessEnv, log: Logger): Promise<SupervisorMqtt | null> {
  const token = env.SUPERVISOR_TOKEN ?? env.HASSIO_TOKEN;
  if (!token) return null;
  const base = env.VIBESCOPE_SUPERVISOR_URL ?? 'http://supervisor';
  try {
    const res = await axios.get(`${base}/services/mqtt`, { headers: { authorization: `Bearer ${token}` }, timeout: 5000 });
    const data = res.data?.data as Partial<SupervisorMqtt> | undefined;
    if (!data?.host) return null;
    return { host: data.host, port: Number(data.port ?? 1883), ssl: Boolean(data.ssl), username: data.username, password: data.password };
  } catch (err) {
    const status = axios.isAxiosError(err) ? err.response?.status : undefined;
    log.info({ status: status ?? (err as Error).message }, 'supervisor: no MQTT service offered');
    return null;
  }
}
