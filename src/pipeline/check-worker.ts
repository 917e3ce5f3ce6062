import { parentPort, workerData } from 'worker_threads';
import type { FlakePolicy } from '../flake/policy';
import type { Rule } from '../rules/rule';
import { checkFiles, FileToCheck } from './check-files';

/**
 * A worker thread of `runCheck`: asks the main thread for batches of files
 * and answers each with its findings, until it is sent an empty batch.
 */
interface WorkerSetup {
  rules: Rule[];
  now: number;
  flakePolicy?: FlakePolicy;
}

const setup = workerData as WorkerSetup;
const now = new Date(setup.now);

parentPort!.on('message', (batch: FileToCheck[]) => {
  if (batch.length === 0) {
    parentPort!.close();
    return;
  }
  checkFiles(batch, setup.rules, now, setup.flakePolicy).then(
    (result) => parentPort!.postMessage({ kind: 'done', batch: batch.length, ...result }),
    (error: Error) => parentPort!.postMessage({ kind: 'failed', message: error.stack ?? error.message }),
  );
});
parentPort!.postMessage({ kind: 'ready' });
