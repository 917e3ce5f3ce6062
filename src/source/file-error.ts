/**
 * Why a file could not be read or written, in words, from the error the
 * system gave (a finding's or a usage error's reason).
 */
export function describeFileError(error: unknown, doing: 'read' | 'write'): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'it does not exist';
    case 'ENAMETOOLONG':
      return 'its path is longer than the system allows';
    case 'ELOOP':
      return 'it is a symlink loop';
    case 'EISDIR':
      return 'it is a directory';
    // Making a file's directory where a file of that name is: EEXIST.
    case 'EEXIST':
    case 'ENOTDIR':
      return 'a part of its path is a file, not a directory';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space is left on the device';
    default:
      return code ? `the system refused to ${doing} it (${code})` : String((error as Error)?.message ?? error);
  }
}
