import schedule from 'node-schedule';
import type { Logger } from './log.js';

export interface SchedulerDeps {
  log: Logger;
  timeZone: string;
  /** Daily compaction (research/sqljs-store.md §6.1: at most one snapshot a day besides the journal trigger). */
  compact: () => Promise<unknown>;
  /** More jobs from capabilities (the weekly story, the nightly vibe playlists…): a cron rule in the local zone and what to run; failures are logged. */
  jobs?: { name: string; cron: string; run: () => Promise<unknown> }[];
}

/** node-schedule jobs; `stop()` cancels them all. */
export function createScheduler({ log, timeZone, compact, jobs: extra = [] }: SchedulerDeps) {
  const jobs: schedule.Job[] = [];
  return {
    start(): void {
      jobs.push(schedule.scheduleJob({ rule: '17 4 * * *', tz: timeZone }, () => {
        compact().catch((err: Error) => log.error({ err }, 'scheduler: daily compaction failed'));
      }));
      for (const job of extra) {
        jobs.push(schedule.scheduleJob(job.name, { rule: job.cron, tz: timeZone }, () => {
          job.run().catch((err: Error) => log.error({ err, job: job.name }, 'scheduler: job failed'));
        }));
      }
    },
    stop(): void {
      for (const job of jobs.splice(0)) job.cancel();
    },
  };
}
