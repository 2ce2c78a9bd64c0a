const EXPIRED = Symbol('expired');

/**
 * Settles as `work` does, or as `onTimeout` does (its value, or what it throws) once `ms`
 * have passed, whichever comes first. The timer is cleared as soon as either settles, so
 * nothing is left to keep the process alive. `work` itself is not cancelled.
 */
export async function withTimeout<T, F = never>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => F,
): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<typeof EXPIRED>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms), EXPIRED);
  });
  try {
    const first = await Promise.race([work, expired]);
    return first === EXPIRED ? onTimeout() : first;
  } finally {
    clearTimeout(timer);
  }
}
