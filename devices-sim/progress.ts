/** Progress of long runs on stderr: a line every few seconds (or one updating line on a terminal). */
export interface Progress {
  update(text: string): void;
  done(text: string): void;
}

export function createProgress(label: string, opts: { stream?: NodeJS.WriteStream; everyMs?: number; now?: () => number } = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? Date.now;
  const tty = Boolean(stream.isTTY);
  const everyMs = opts.everyMs ?? (tty ? 250 : 2000);
  let last = -Infinity;
  return {
    update(text) {
      const t = now();
      if (t - last < everyMs) return;
      last = t;
      stream.write(tty ? `\r[${label}] ${text}\x1b[K` : `[${label}] ${text}\n`);
    },
    done(text) {
      stream.write(tty ? `\r[${label}] ${text}\x1b[K\n` : `[${label}] ${text}\n`);
    },
  };
}

/** A progress that prints nothing (tests, quiet runs). */
export const silentProgress: Progress = { update: () => {}, done: () => {} };
