/**
 * "Did you mean …?" for mistyped commands and options: the closest known word by edit distance
 * (optimal string alignment: insertions, deletions, substitutions and swaps of two neighbours each
 * cost 1, so `lsit` is one step from `list`).
 */

/** The edit distance between `a` and `b`, counting a swap of two adjacent characters as one edit. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  // Three rows of the dynamic-programming table: two back (for swaps), the previous, the current.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (before[j - 2] ?? 0) + 1);
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length] ?? 0;
}

/**
 * The known word closest to `input` (case-insensitive), or `undefined` when none is close enough
 * to be a typo: at most one edit for words up to 5 characters, two up to 8, three beyond. Ties go
 * to the earlier candidate.
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const typed = input.toLowerCase();
  const allowed = typed.length <= 5 ? 1 : typed.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const candidate of candidates) {
    const distance = editDistance(typed, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `; did you mean <word>?` for the closest candidate, or an empty string. */
export function suggestion(
  input: string,
  candidates: readonly string[],
  render = (word: string) => word,
): string {
  const word = closest(input, candidates);
  return word === undefined ? '' : `; did you mean ${render(word)}?`;
}
