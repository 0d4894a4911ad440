import { DataMotionError, invalid } from '../errors.ts';

/**
 * The one place where a filesystem or URL error on a path a client gave becomes a 400
 * that names the field and what is wrong with the path. Anything else is rethrown
 * unchanged (a real failure of this machine stays a 500 with its log line).
 */
export function userPathError(e: unknown, field: string, uri: string): DataMotionError | undefined {
  if (e instanceof DataMotionError) return e;
  const err = e as { code?: string; name?: string; message?: string };
  const shown = uri.length > 200 ? `${uri.slice(0, 200)}…` : uri;
  const reason = ((): string | undefined => {
    switch (err.code) {
      case 'ERR_INVALID_FILE_URL_PATH':
        return `${shown} must not contain an encoded "/" (%2F) or NUL (%00): write the path with plain "/"`;
      case 'ERR_INVALID_FILE_URL_HOST':
        return `${shown} names a host; file URIs are file:///absolute/path`;
      case 'ERR_INVALID_URL':
      case 'ERR_INVALID_URL_SCHEME':
        return `"${shown}" is not a valid URI`;
      case 'ENAMETOOLONG':
        return `${shown} is too long for the filesystem (at most 255 bytes per name and 4096 per path)`;
      case 'ENOENT':
        return `${shown} goes through a folder that does not exist or a broken symbolic link`;
      case 'ENOTDIR':
        return `${shown} goes through a regular file as if it were a folder`;
      case 'ELOOP':
        return `${shown} goes through a symbolic link loop`;
      case 'EACCES':
      case 'EPERM':
        return `${shown} cannot be read or created by DataMotion (permission denied); fix the folder's permissions`;
      case 'EROFS':
        return `${shown} is on a read-only filesystem`;
      case 'EEXIST':
        return `${shown} exists and is not a folder`;
      case 'EINVAL':
        return `${shown} is not a valid path on this system`;
      default:
        // Any other code (or none) says nothing about the client's path: the name check
        // below decides, else the error is rethrown as this machine's own failure.
        break;
    }
    // decodeURIComponent inside fileURLToPath: "%ff" is not UTF-8.
    if (err.name === 'URIError')
      return `${shown} has invalid percent-encoding (e.g. "%ff"); encode the path as UTF-8`;
    return undefined;
  })();
  return reason === undefined ? undefined : invalid(field, reason);
}

/** Runs `fn`, turning a filesystem or URL error on the client's path into a 400 (see userPathError). */
export function guardPath<T>(field: string, uri: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw userPathError(e, field, uri) ?? e;
  }
}

/** guardPath for async work (a scan, a stat). */
export async function guardPathAsync<T>(field: string, uri: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw userPathError(e, field, uri) ?? e;
  }
}
