/**
 * The one question the CLI asks (before `revoke --all`): a line read from stdin, which may be a
 * terminal or a pipe (`echo yes | coatcheck revoke --all …`). No answer at all (stdin closed, as
 * under cron) is a no.
 */
import { createInterface } from 'node:readline';

/** Writes `question` to `output` and resolves to whether the next line of `input` is "yes" or "y". */
export function confirm(
  question: string,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Promise<boolean> {
  return new Promise((resolve) => {
    output.write(question);
    const lines = createInterface({ input, terminal: false });
    let answered = false;
    lines.once('line', (line) => {
      answered = true;
      lines.close();
      resolve(/^\s*y(es)?\s*$/i.test(line));
    });
    lines.once('close', () => {
      if (answered) return;
      output.write('\n');
      resolve(false);
    });
  });
}
