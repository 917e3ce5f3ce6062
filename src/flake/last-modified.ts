import { isRecord } from '../source/records';

/** A lock entry's `lastModified` (epoch seconds) as a date; undefined when it is none (missing, not a number, out of the date range). */
export function lastModifiedDate(locked: unknown): Date | undefined {
  const seconds = isRecord(locked) ? locked.lastModified : undefined;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return undefined;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
