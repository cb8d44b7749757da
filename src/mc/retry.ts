// The pools' retry policy (src/mc/pool.ts): a batch whose worker dies is run again (on a
// fresh worker) up to MAX_ATTEMPTS times, so that a crash costs a retry, never a path; an engine failure on a path
// is the same on every attempt and is thrown at once.

export const MAX_ATTEMPTS = 3;

/**
 * Runs `attempt` (given its number, from 1) until it resolves. `pathError` turns a path's own failure into the
 * error to throw (undefined: any other failure, retried); `paths` names the batch in the error after the last attempt.
 */
export async function retryBatch<T>(
  paths: string,
  attempt: (n: number) => Promise<T>,
  pathError: (message: string, cause: unknown) => Error | undefined,
  onRetry: () => void,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      const failed = pathError(message, err);
      if (failed) throw failed;
      if (n >= MAX_ATTEMPTS) throw new Error(`${paths} failed ${n} times: ${message}`, { cause: err });
      onRetry();
    }
  }
}
