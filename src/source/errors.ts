/** A mistake in how declint was called (unknown flag, missing path): exit code 2. */
export class UsageError extends Error {}

/**
 * A mistake in a configuration or rule file, located so the user can jump to
 * it: printed as `file:line:col: message`, exit code 2.
 */
export class LocatedError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
  }
}
