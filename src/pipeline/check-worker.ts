import { parentPort, workerData } from 'worker_threads';
import type { FlakePolicy } from '../flake/policy';
import type { Rule } from '../rules/rule';
import { checkFileRecords, FileToCheck } from './check-files';

/**
 * A worker thread of `runCheck`: asks the main thread for batches of files
 * and answers each with each file's result, until it is sent an empty batch.
 */
interface WorkerSetup {
  rules: Rule[];
  now: number;
  flakePolicy?: FlakePolicy;
  /** Record what the result cache keys results on (check-files.ts). */
  forCache?: boolean;
}

const setup = workerData as WorkerSetup;
const now = new Date(setup.now);

parentPort!.on('message', (batch: FileToCheck[]) => {
  if (batch.length === 0) {
    parentPort!.close();
    return;
  }
  checkFileRecords(batch, setup.rules, now, { ...(setup.flakePolicy ? { flakePolicy: setup.flakePolicy } : {}), ...(setup.forCache ? { forCache: true } : {}) }).then(
    (records) => parentPort!.postMessage({ kind: 'done', batch: batch.length, records }),
    (error: Error) => parentPort!.postMessage({ kind: 'failed', message: error.stack ?? error.message }),
  );
});
parentPort!.postMessage({ kind: 'ready' });
