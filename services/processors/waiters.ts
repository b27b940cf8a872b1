/** Callers waiting for a runner's next idle moment, all resolved together by `settle()` (runner.ts, async-runner.ts). */
export function createIdleWaiters() {
  let waiting: (() => void)[] = [];
  return {
    /** Resolves at the next `settle()`. */
    wait: (): Promise<void> => new Promise((resolve) => void waiting.push(resolve)),
    settle(): void {
      const now = waiting;
      waiting = [];
      for (const resolve of now) resolve();
    },
  };
}
