/**
 * A one-line progress bar for long purges on a terminal (stderr, redrawn in place).
 */

/** Draws `done / total` as a bar on `stream`; `finish()` ends the line. */
export function progressBar(stream: NodeJS.WriteStream, total: number) {
  const width = 30;
  let last = '';
  return {
    update(done: number): void {
      const ratio = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
      const filled = Math.round(ratio * width);
      const line = `purging [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(ratio * 100)}% ${Math.min(done, total)}/${total}`;
      if (line === last) return;
      last = line;
      stream.write(`\r${line}`);
    },
    finish(): void {
      if (last !== '') stream.write('\n');
    },
  };
}
