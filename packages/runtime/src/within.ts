/**
 * Waits for a promise at most ms milliseconds; resolves true when it settled in time. The timer
 * is cleared as soon as the promise settles, so a bounded wait never keeps a finished CLI alive.
 * It must stay ref'd: someone is awaiting it, and an unref'd timer lets Node exit mid-await
 * (exit code 13, "unsettled top-level await") when nothing else holds the event loop.
 */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
