/** Per-test teardown: what a test opened (databases, sinks, users), closed after it, last opened first. */

/** What a test opened, closed after it in reverse order (`afterEach(cleanups.run)`). */
export function createCleanups() {
  const list: Array<() => Promise<void> | void> = [];
  return {
    add(fn: () => Promise<void> | void): void {
      list.push(fn);
    },
    async run(): Promise<void> {
      for (const fn of list.splice(0).reverse()) await fn();
    },
  };
}
export type Cleanups = ReturnType<typeof createCleanups>;
