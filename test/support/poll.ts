/**
 * Polls `check` (every `everyMs`) until it yields a value other than undefined; fails after
 * `timeoutMs`. For states no event announces (a status in Redis, a count in a sink).
 */
export async function until<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
