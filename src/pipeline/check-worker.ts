import { parentPort, workerData } from 'worker_threads';
import type { FlakePolicy } from '../flake/policy';
import type { Rule } from '../rules/rule';
import { checkFileRecords, FileCheckJob, FileToCheck, PARSES_KEPT_BYTES } from './check-files';

/**
 * A worker thread of the per-file phase (check-files-threads.ts): asks the
 * main thread for batches of files and answers each with each file's
 * result, until it is sent an empty batch.
 */
/** What the main thread sends: files to check (none: stop), and whether it still keeps parses. */
export interface WorkerBatch {
  files: FileToCheck[];
  keepParses: boolean;
}

export interface WorkerSetup {
  rules: Rule[];
  now: number;
  flakePolicy?: FlakePolicy;
  planFixes: boolean;
  /** Record what the result cache keys results on (check-files.ts). */
  forCache: boolean;
}

const setup = workerData as WorkerSetup;
const job: FileCheckJob = { rules: setup.rules, now: new Date(setup.now), ...(setup.flakePolicy ? { flakePolicy: setup.flakePolicy } : {}), planFixes: setup.planFixes, forCache: setup.forCache };

parentPort!.on('message', ({ files, keepParses }: WorkerBatch) => {
  if (files.length === 0) {
    parentPort!.close();
    return;
  }
  checkFileRecords(files, job, { keptBytes: keepParses ? PARSES_KEPT_BYTES : 0 }).then(
    // The parses move to the main thread (transferred, not copied), where the host phase reads them.
    (records) => parentPort!.postMessage({ kind: 'done', batch: files.length, records }, records.flatMap((r) => (r.parsed ? [r.parsed.flat.buffer as ArrayBuffer] : []))),
    (error: Error) => parentPort!.postMessage({ kind: 'failed', message: error.stack ?? error.message }),
  );
});
parentPort!.postMessage({ kind: 'ready' });
