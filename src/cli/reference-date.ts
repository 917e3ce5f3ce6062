import { UsageError } from '../source/errors';

/**
 * "Today" for every age- and date-based judgement of a run (lock ages,
 * channel status, exception expiry, the report's dates): `--now DATE`, else
 * `SOURCE_DATE_EPOCH` (the reproducible-builds convention), else the clock.
 * One value, taken at the command line and passed down, so that a CI run or
 * an evidence report can be reproduced, and an audit judged as of its date.
 */
export interface ReferenceDate {
  date: Date;
  source: '--now' | 'SOURCE_DATE_EPOCH' | 'clock';
}

export function referenceDate(flag: string | undefined, env: Record<string, string | undefined>, clock: () => Date = () => new Date()): ReferenceDate {
  if (flag !== undefined) return { date: parseNow(flag), source: '--now' };
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch !== '') {
    // The specification asks a malformed value to be an error, not ignored.
    if (!/^\d+$/.test(epoch)) throw new UsageError(`SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 UTC (got "${epoch}")`);
    return { date: new Date(Number(epoch) * 1000), source: 'SOURCE_DATE_EPOCH' };
  }
  return { date: clock(), source: 'clock' };
}

/** `2026-12-04` (the start of that day, UTC), `2026-12-04T10:00:00Z` / `…+01:00`, or `@1796342400` (seconds). */
export function parseNow(text: string): Date {
  const wrong = () => new UsageError(`--now must be a day (2026-12-04), a time with its zone (2026-12-04T10:00:00Z) or @SECONDS (got "${text}")`);
  if (/^@\d+$/.test(text)) return new Date(Number(text.slice(1)) * 1000);
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day) {
    const date = new Date(`${text}T00:00:00Z`);
    // Date accepts 2026-02-30 by rolling over; a day that does not exist is a typo.
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) throw wrong();
    return date;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/.test(text)) throw wrong();
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw wrong();
  return date;
}
