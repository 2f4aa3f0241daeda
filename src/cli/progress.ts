/**
 * A one-line progress bar for long operations (purge, revoke --all) on a terminal (stderr, redrawn
 * in place).
 */

/** Draws `done / total` as a bar on `stream`, after `label`; `finish()` ends the line. */
export function progressBar(stream: NodeJS.WritableStream, total: number, label = 'purging') {
  const width = 30;
  let last = '';
  return {
    update(done: number): void {
      const ratio = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
      const filled = Math.round(ratio * width);
      const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(ratio * 100)}% ${Math.min(done, total)}/${total}`;
      if (line === last) return;
      last = line;
      stream.write(`\r${line}`);
    },
    finish(): void {
      if (last !== '') stream.write('\n');
    },
  };
}
