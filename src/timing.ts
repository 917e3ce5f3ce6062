import * as fs from 'fs';

/**
 * Opt-in timing of a run's phases, for `npm run bench` and for anyone asking
 * where a run's time goes. DECLINT_TIMING=1 writes one line
 * `declint timing: {json}` to standard error when the process exits;
 * DECLINT_TIMING=<file> writes the JSON to that file instead. Unset, every
 * hook is one test of `undefined`.
 *
 * Phases follow one another (`phase(name)` ends the current one): each has
 * wall and CPU milliseconds, the CPU of every thread of the process (worker
 * threads included). `startup` is the time from the process's start to the
 * first phase (Node and module loading). Counters sum work done inside the
 * phases on this thread, keyed `phase.counter` (`files.parse`,
 * `hosts.parse`), in wall and process CPU milliseconds: with worker threads
 * the per-file counters stay in the workers and are not reported (the
 * main thread's counters run after the workers are done).
 */
export interface TimingReport {
  /** `maxRssMb`: the process's peak RSS when the phase ended (which phase raises the peak). */
  phases: Record<string, { ms: number; cpuMs: number; maxRssMb: number }>;
  counters: Record<string, { ms: number; cpuMs: number; calls: number }>;
  /** Wall and CPU milliseconds from the process's start to the report. */
  totalMs: number;
  cpuMs: number;
}

class Timing {
  private readonly phases: TimingReport['phases'] = {};
  private readonly counters: TimingReport['counters'] = {};
  private current: { name: string; wall: bigint; cpu: number } | undefined;

  constructor(private readonly destination: string) {}

  /** Ends the current phase and starts `name`; a phase entered twice adds up. */
  phase(name: string): void {
    const wall = process.hrtime.bigint();
    const cpu = cpuMs();
    if (this.current) this.add(this.current.name, wall, cpu);
    else this.phases.startup = { ms: process.uptime() * 1000, cpuMs: cpu, maxRssMb: maxRssMb() };
    this.current = { name, wall, cpu };
  }

  /** A counter's start; pass it to `count` when the work is done. */
  start(): { wall: bigint; cpu: number } {
    return { wall: process.hrtime.bigint(), cpu: cpuMs() };
  }

  count(counter: string, started: { wall: bigint; cpu: number }): void {
    const key = `${this.current?.name ?? 'startup'}.${counter}`;
    const entry = (this.counters[key] ??= { ms: 0, cpuMs: 0, calls: 0 });
    entry.ms += Number(process.hrtime.bigint() - started.wall) / 1e6;
    entry.cpuMs += cpuMs() - started.cpu;
    entry.calls++;
  }

  report(): void {
    const wall = process.hrtime.bigint();
    const cpu = cpuMs();
    if (this.current) this.add(this.current.name, wall, cpu);
    this.current = undefined;
    const report: TimingReport = { phases: this.phases, counters: this.counters, totalMs: process.uptime() * 1000, cpuMs: cpu };
    const json = JSON.stringify(report, (_, v: unknown) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v));
    if (this.destination === '1' || this.destination === 'stderr') process.stderr.write(`declint timing: ${json}\n`);
    else fs.writeFileSync(this.destination, `${json}\n`);
  }

  private add(name: string, wall: bigint, cpu: number): void {
    const entry = (this.phases[name] ??= { ms: 0, cpuMs: 0, maxRssMb: 0 });
    entry.ms += Number(wall - this.current!.wall) / 1e6;
    entry.cpuMs += cpu - this.current!.cpu;
    entry.maxRssMb = maxRssMb();
  }
}

function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The run's timing when DECLINT_TIMING asks for it (main thread only: a worker's process is the same process). */
export const timing: Timing | undefined = process.env.DECLINT_TIMING && (require('worker_threads') as typeof import('worker_threads')).isMainThread ? new Timing(process.env.DECLINT_TIMING) : undefined;

if (timing) process.on('exit', () => timing.report());
