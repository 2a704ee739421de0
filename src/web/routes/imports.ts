import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Router } from 'express';
import type { RequestHandler } from 'express';
import { BadParamError, NotFoundError } from '../../errors.js';
import { storageError } from '../../store/index.js';
import { accountOf, route } from '../route.js';
import type { WebDeps } from '../index.js';

/** Largest upload accepted (a full privacy export zip is well under this). */
const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

/**
 * Imports by upload (multipart, field `files`) and their progress. Uploaded files live in
 * data_dir/uploads (0700) only until their job ends, on every path: success, rejection, failure;
 * start-up removes what a crash left.
 */
export function importRoutes({ importer, accounts, dataDir, log }: WebDeps): Router {
  const api = Router();
  const uploads = path.join(dataDir, 'uploads');
  // multer is loaded on the first upload, not at start-up (about 1 MB of heap a server at rest does not need).
  // A destination function: multer then creates nothing at start-up (the folder is made per request).
  let upload: Promise<RequestHandler> | null = null;
  const uploader = () => (upload ??= import('multer').then(({ default: multer }) => multer({
    storage: multer.diskStorage({ destination: (_req, _file, cb) => cb(null, uploads) }), limits: { fileSize: MAX_UPLOAD_BYTES, files: 50 } }).array('files'),
  (err: unknown) => { upload = null; throw err; }));
  const removeAll = (files: Express.Multer.File[]) => Promise.all(files.map((f) => rm(f.path, { force: true })));

  api.post('/imports', async (req, res, next) => {
    try {
      await mkdir(uploads, { recursive: true, mode: 0o700 });
    } catch (err) { next(storageError(err, 'upload')); return; }
    (await uploader())(req, res, (err?: unknown) => {
      const files = (req.files as Express.Multer.File[] | undefined) ?? [];
      if (err) {
        void removeAll(files).catch((e: Error) => log.warn({ err: e }, 'import: could not remove a rejected upload'));
        const code = (err as NodeJS.ErrnoException).code;
        next(code && ['ENOSPC', 'EDQUOT', 'EROFS', 'EFBIG', 'EIO', 'EACCES'].includes(code) ? storageError(err, 'upload')
          : new BadParamError('files', (err as Error).message, 'multipart/form-data with one or more files in "files"'));
        return;
      }
      try {
        if (files.length === 0) throw new BadParamError('files', null, 'one or more export files (zip or JSON) in the "files" field');
        const account = accountOf(req, accounts);
        const paths = files.map((f) => f.path);
        const names = new Map(files.map((f) => [f.path, f.originalname]));
        const jobId = importer.startJob(paths, account, async () => { await removeAll(files); }, names);
        log.info({ job_id: jobId, account, files: [...names.values()] }, 'import job started');
        res.status(202).json({ job_id: jobId, files: files.map((f) => f.originalname) });
      } catch (e) {
        void removeAll(files).catch((re: Error) => log.warn({ err: re }, 'import: could not remove a rejected upload'));
        next(e);
      }
    });
  });
  api.get('/imports/:id', route((req) => {
    const job = importer.job(req.params.id as string);
    if (!job) throw new NotFoundError(`import job "${req.params.id}"`);
    return { ...job.progress, error: job.error ?? job.report?.error ?? null, report: job.report };
  }));
  return api;
}
