/**
 * A date that tells what was read of it: the result cache keys a result on
 * the run's reference date ("today") only where a rule looked at it (a
 * lock's age, a release's end of life), and only as far as the rule's
 * answer depends on it, so that a result holds on every date that gives the
 * same answers.
 *
 * `window` is that set of dates, in milliseconds: `[from, until)`, or
 * undefined while nothing read the date. Reading the date through the
 * functions below narrows it to the dates that read the same (the same day,
 * the same side of an instant, the same whole number of days since one);
 * any other use of the date (`getTime`, `toISOString`, a conversion to a
 * primitive …: every method of the instance is wrapped) narrows it to that
 * very millisecond. The caller clears it between the results it tells apart.
 */
export interface WatchedDate {
  readonly date: Date;
  window: DateWindow | undefined;
}

/** Reference dates in milliseconds, `from` included and `until` not. */
export type DateWindow = [from: number, until: number];

const DAY_MS = 86_400_000;
/** The earliest and one past the latest time a `Date` holds: a window bound that is no bound. */
const EARLIEST = -8.64e15;
const PAST_LATEST = 8.64e15 + 1;

const watched = new WeakMap<Date, WatchedDate>();

export function watchedDate(time: Date | number): WatchedDate {
  const date = new Date(typeof time === 'number' ? time : time.getTime());
  const state: WatchedDate = { date, window: undefined };
  const methods: (string | symbol)[] = [...Object.getOwnPropertyNames(Date.prototype), Symbol.toPrimitive];
  for (const name of methods) {
    const original = (Date.prototype as unknown as Record<string | symbol, unknown>)[name];
    if (name === 'constructor' || typeof original !== 'function') continue;
    Object.defineProperty(date, name, {
      value: (...args: unknown[]) => {
        const t = timeOf(date);
        narrow(date, t, t + 1);
        return (original as (...a: unknown[]) => unknown).apply(date, args);
      },
    });
  }
  watched.set(date, state);
  return state;
}

/** Whether a result computed with the reference date read through `window` holds at `time`. */
export function windowHolds(window: DateWindow | undefined, time: number): boolean {
  return window === undefined || (window[0] <= time && time < window[1]);
}

/** The dates in both windows (undefined: not read, every date). */
export function bothWindows(a: DateWindow | undefined, b: DateWindow | undefined): DateWindow | undefined {
  if (!a) return b;
  if (!b) return a;
  return [Math.max(a[0], b[0]), Math.min(a[1], b[1])];
}

/** Whether the date is at or after `instant` (milliseconds). */
export function reached(date: Date, instant: number): boolean {
  const yes = timeOf(date) >= instant;
  narrow(date, yes ? instant : EARLIEST, yes ? PAST_LATEST : instant);
  return yes;
}

/** Whether the date is after `instant` (milliseconds; a date is a whole number of them). */
export function after(date: Date, instant: number): boolean {
  return reached(date, Math.floor(instant) + 1);
}

/** Whole days of 24 hours from `instant` (milliseconds) to the date, rounded down. */
export function wholeDaysSince(date: Date, instant: number): number {
  const days = Math.floor((timeOf(date) - instant) / DAY_MS);
  narrow(date, instant + days * DAY_MS, instant + (days + 1) * DAY_MS);
  return days;
}

/** The date's day in UTC, `YYYY-MM-DD`. */
export function utcDay(date: Date): string {
  const time = timeOf(date);
  const start = Math.floor(time / DAY_MS) * DAY_MS;
  narrow(date, start, start + DAY_MS);
  return new Date(time).toISOString().slice(0, 10);
}

/** The date's time, read past the instance's wrappers. */
function timeOf(date: Date): number {
  return Date.prototype.getTime.call(date);
}

function narrow(date: Date, from: number, until: number): void {
  const state = watched.get(date);
  if (state) state.window = bothWindows(state.window, [from, until]);
}
