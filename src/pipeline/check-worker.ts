import { parentPort, workerData } from 'worker_threads';
import type { FlakePolicy } from '../flake/policy';
import type { Rule } from '../rules/rule';
import { checkFiles, FileToCheck, PARSES_KEPT_BYTES } from './check-files';

/**
 * A worker thread of `runCheck`: asks the main thread for batches of files
 * and answers each with its findings, until it is sent an empty batch.
 */
/** What the main thread sends: files to check (none: stop), and whether it still keeps parses. */
export interface WorkerBatch {
  files: FileToCheck[];
  keepParses: boolean;
}

interface WorkerSetup {
  rules: Rule[];
  now: number;
  flakePolicy?: FlakePolicy;
  planFixes: boolean;
}

const setup = workerData as WorkerSetup;
const job = { rules: setup.rules, now: new Date(setup.now), ...(setup.flakePolicy ? { flakePolicy: setup.flakePolicy } : {}), planFixes: setup.planFixes };

parentPort!.on('message', ({ files, keepParses }: WorkerBatch) => {
  if (files.length === 0) {
    parentPort!.close();
    return;
  }
  checkFiles(files, job, { keptBytes: keepParses ? PARSES_KEPT_BYTES : 0 }).then(
    // The parses move to the main thread (transferred, not copied), where the host phase reads them.
    (result) => parentPort!.postMessage({ kind: 'done', batch: files.length, ...result }, result.parsed.map((p) => p.flat.buffer as ArrayBuffer)),
    (error: Error) => parentPort!.postMessage({ kind: 'failed', message: error.stack ?? error.message }),
  );
});
parentPort!.postMessage({ kind: 'ready' });
