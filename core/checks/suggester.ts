/**
 * "did you mean …" over a fixed candidate list, cheap enough to call once per
 * unknown reference in a large schema: candidates are bucketed by length (an
 * edit distance within the limit needs a length within the limit) and answers
 * are memoised, since the same typo tends to repeat. A budget of candidate
 * comparisons keeps a schema with thousands of distinct unknown names linear:
 * once spent, hints fall back to their generic text.
 */
import { suggest } from "../schema.ts";

export class Suggester {
  private readonly byLength = new Map<number, string[]>();
  private readonly memo = new Map<string, string | undefined>();
  private budget = 20_000;

  constructor(candidates: Iterable<string>) {
    for (const candidate of candidates) {
      let bucket = this.byLength.get(candidate.length);
      if (!bucket) this.byLength.set(candidate.length, (bucket = []));
      bucket.push(candidate);
    }
  }

  suggest(name: string): string | undefined {
    if (this.memo.has(name)) return this.memo.get(name);
    // Same limit as core/schema.ts `suggest`, which makes the final choice.
    const limit = Math.max(1, Math.floor(name.length / 3));
    const buckets: string[][] = [];
    let count = 0;
    for (let length = name.length - limit; length <= name.length + limit; length++) {
      const bucket = this.byLength.get(length);
      if (bucket) {
        buckets.push(bucket);
        count += bucket.length;
      }
    }
    let answer: string | undefined;
    if (count > 0 && count <= this.budget) {
      this.budget -= count;
      answer = suggest(name, buckets.flat());
    }
    this.memo.set(name, answer);
    return answer;
  }

  /** `did you mean 'X'?` or the fallback. */
  hint(name: string, fallback: string): string {
    const best = this.suggest(name);
    return best !== undefined ? `did you mean '${best}'?` : fallback;
  }
}
