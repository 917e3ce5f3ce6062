import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { internalErrorFinding } from '../findings/unchecked';
import { checkFileRecords, FileCheckJob, FileCheckOptions, FileRecord, FileToCheck, parseBytes, PARSES_KEPT_BYTES } from './check-files';
import type { WorkerBatch, WorkerSetup } from './check-worker';

/**
 * The per-file phase on several threads. This thread checks files from the
 * start, batch after batch; workers take batches from the same queue. Each
 * worker costs its start-up and the warming up of its own copy of the code
 * (about half a second of CPU), and the host phase runs on this thread after
 * the per-file phase: a worker pays only where much per-file work is left.
 * So by default workers start once the files checked here show that the
 * rest takes longer than `WORKER_WORTH_MS`, one per core that the system's
 * load average leaves idle (as `make -l` reads it: on a busy machine a
 * worker gets no core of its own and only adds its cost); given `jobs`,
 * that many threads at once.
 */
/** What this thread checks before it judges whether workers are worth it, in CPU time. */
const PROBE_MS = 150;
/** Per-file work left (in this thread's CPU time) worth starting workers for. */
const WORKER_WORTH_MS = 2000;
/** Files this thread checks between two looks at the workers' messages. */
const MAIN_BATCH = 16;
/** Files a worker checks per message. */
const WORKER_BATCH = 32;
/** Workers at most, whatever the machine. */
const MAX_WORKERS = 7;
/** The compiled worker; absent when running from TypeScript sources, where checks stay in-process. */
const WORKER_SCRIPT = path.join(__dirname, 'check-worker.js');
/** Heap of one worker: a file that needs more is reported at the file instead of ending the run. */
const WORKER_HEAP_MB = 2048;

export async function checkFilesOnThreads(
  files: FileToCheck[],
  job: FileCheckJob,
  jobs: number | undefined,
  options: Pick<FileCheckOptions, 'onFiles' | 'overlayText'> = {},
): Promise<FileRecord[]> {
  let workerCount = Math.min(MAX_WORKERS, (jobs ?? os.availableParallelism()) - 1);
  if (workerCount < 1 || !fs.existsSync(WORKER_SCRIPT)) return checkFileRecords(files, job, options);
  const records: FileRecord[] = [];
  let done = 0;
  let parsedBytes = 0;
  const add = (part: { records: FileRecord[]; batch?: number }) => {
    for (const record of part.records) {
      if (record.parsed && (parsedBytes += parseBytes(record.parsed)) > PARSES_KEPT_BYTES) {
        delete record.parsed;
        record.parseDropped = true;
      }
      records.push(record);
    }
    done += part.batch ?? 0;
    if (part.batch) options.onFiles?.(done);
  };
  // Once the parses kept fill their share of memory, workers stop sending theirs.
  const workerJob: WorkerJob = { ...job, keepParses: () => parsedBytes < PARSES_KEPT_BYTES };
  const queue = new FileQueue(files.map((f) => ({ absolutePath: f.absolutePath, path: f.path })));
  const lost: FileToCheck[] = [];
  let workers: Promise<void> | undefined;
  const startWorkers = () => (workers = runWorkers(queue, WORKER_BATCH, workerCount, workerJob, add, (batch) => lost.push(...batch)));
  if (jobs !== undefined) startWorkers();
  const started = process.cpuUsage();
  let checkedHere = 0;
  for (let batch = queue.take(MAIN_BATCH); batch.length > 0; batch = queue.take(MAIN_BATCH)) {
    const here = { keptBytes: Math.max(0, PARSES_KEPT_BYTES - parsedBytes), ...(options.overlayText ? { overlayText: options.overlayText } : {}) };
    add({ records: await checkFileRecords(batch, job, here), batch: batch.length });
    checkedHere += batch.length;
    const spent = process.cpuUsage(started);
    const spentMs = (spent.user + spent.system) / 1000;
    if (!workers && spentMs >= PROBE_MS && (spentMs / checkedHere) * queue.left > WORKER_WORTH_MS) {
      workerCount = Math.min(workerCount, idleCores() - 1);
      if (workerCount >= 1) startWorkers();
    }
    // The workers' answers and requests for more are handled between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await workers;
  // Each file of a lost batch alone, so that only the file that kills a worker is lost.
  const retry = new FileQueue(lost);
  const failed = ([file]: FileToCheck[], error: unknown) => add({ records: [{ file, checked: { findings: [internalErrorFinding(file.path, error)], scanned: true, suppressions: [] } }], batch: 1 });
  await runWorkers(retry, 1, Math.min(workerCount, lost.length), workerJob, add, failed);
  for (let file = retry.take(1); file.length > 0; file = retry.take(1)) failed(file, new Error('no worker thread was left to check it'));
  // In the files' order, as in one thread: workers finish in any order.
  return inFileOrder(files, records);
}

/** Records in the order of the files given. */
export function inFileOrder(files: FileToCheck[], records: FileRecord[]): FileRecord[] {
  const order = new Map(files.map((f, i) => [f.path, i]));
  return records.sort((a, b) => order.get(a.file.path)! - order.get(b.file.path)!);
}

/** Cores the system's load average (last minute) leaves idle, this thread's included; all of them where there is none (Windows). */
function idleCores(): number {
  return Math.round(os.availableParallelism() - os.loadavg()[0]);
}

/** The files not yet handed to a thread. */
class FileQueue {
  private next = 0;

  constructor(private readonly files: FileToCheck[]) {}

  take(size: number): FileToCheck[] {
    const batch = this.files.slice(this.next, this.next + size);
    this.next += batch.length;
    return batch;
  }

  get left(): number {
    return this.files.length - this.next;
  }
}

interface WorkerJob extends FileCheckJob {
  /** Whether the workers still send their parses (the main thread keeps them for the host phase). */
  keepParses: () => boolean;
}

/**
 * Runs `count` workers over a queue of files, `size` at a time, handed out
 * as workers finish, until the queue is empty or every worker died. A worker
 * that dies (out of memory, a crash in native code) loses only its batch:
 * `lost` gets it.
 */
async function runWorkers(
  queue: FileQueue,
  size: number,
  count: number,
  job: WorkerJob,
  done: (part: { records: FileRecord[]; batch: number }) => void,
  lost: (batch: FileToCheck[], error: unknown) => void,
): Promise<void> {
  const runWorker = () =>
    new Promise<void>((resolve) => {
      // Loaded when a worker starts: a run that checks a few files (a pre-commit hook) never needs it.
      const { Worker } = require('worker_threads') as typeof import('worker_threads');
      let current: FileToCheck[] = [];
      const fail = (error: unknown) => {
        if (current.length > 0) lost(current, error);
        current = [];
      };
      // A small young generation: each file's syntax copy dies young, and smaller scavenges keep RSS down.
      const worker = new Worker(WORKER_SCRIPT, {
        workerData: { rules: job.rules, now: job.now.getTime(), ...(job.flakePolicy ? { flakePolicy: job.flakePolicy } : {}), planFixes: job.planFixes === true, forCache: job.forCache === true } satisfies WorkerSetup,
        resourceLimits: { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: WORKER_HEAP_MB },
      });
      worker.on('message', (message: { kind: 'ready' } | { kind: 'done'; batch: number; records: FileRecord[] } | { kind: 'failed'; message: string }) => {
        if (message.kind === 'failed') {
          fail(new Error(message.message));
          void worker.terminate();
          return;
        }
        if (message.kind === 'done') done(message);
        current = queue.take(size);
        const batch: WorkerBatch = { files: current, keepParses: job.keepParses() };
        worker.postMessage(batch);
      });
      worker.on('error', fail);
      worker.on('exit', (code) => {
        fail(new Error(`the worker thread stopped (exit code ${code})`));
        resolve();
      });
    });
  await Promise.all(Array.from({ length: count }, runWorker));
}
