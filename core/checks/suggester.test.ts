import { describe, expect, test } from "bun:test";
import { Suggester } from "./suggester.ts";

describe("Suggester", () => {
  test("suggests the nearest candidate within the typo limit, and nothing beyond it", () => {
    const s = new Suggester(["User", "Post", "Comment", "String"]);
    expect(s.suggest("Usr")).toBe("User");
    expect(s.suggest("comments")).toBe("Comment");
    expect(s.suggest("string")).toBe("String");
    expect(s.suggest("Invoice")).toBeUndefined();
    expect(s.hint("Pots", "none")).toBe("did you mean 'Post'?");
    expect(s.hint("Zebra", "none")).toBe("none");
  });

  test("after a bounded amount of work, hints fall back instead of growing quadratically", () => {
    const candidates = Array.from({ length: 5000 }, (_, i) => `Shape${String(i).padStart(5, "0")}`);
    const s = new Suggester(candidates);
    // Each distinct miss compares against every same-length candidate; a few are answered...
    expect(s.suggest("Shape0000x")).toBe("Shape00000");
    // ...thousands are not all answered.
    let answered = 0;
    for (let i = 0; i < 1000; i++) if (s.suggest(`Shapf${String(i).padStart(5, "0")}`) !== undefined) answered++;
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(10);
  });
});
