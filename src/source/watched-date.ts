/**
 * A date that tells whether anything read it: the result cache keys a
 * result on the run's reference date ("today") only where a rule looked at
 * it (a lock's age, a release's end of life), so that the other results
 * hold on any day. Every method of the date is wrapped on the instance
 * (`getTime`, `toISOString`, conversions to a primitive …); `read` is set by
 * any call and cleared by the caller between the results it tells apart.
 */
export interface WatchedDate {
  readonly date: Date;
  read: boolean;
}

export function watchedDate(time: Date | number): WatchedDate {
  const date = new Date(typeof time === 'number' ? time : time.getTime());
  const watched = { date, read: false };
  const methods: (string | symbol)[] = [...Object.getOwnPropertyNames(Date.prototype), Symbol.toPrimitive];
  for (const name of methods) {
    const original = (Date.prototype as unknown as Record<string | symbol, unknown>)[name];
    if (name === 'constructor' || typeof original !== 'function') continue;
    Object.defineProperty(date, name, {
      value: (...args: unknown[]) => {
        watched.read = true;
        return (original as (...a: unknown[]) => unknown).apply(date, args);
      },
    });
  }
  return watched;
}
