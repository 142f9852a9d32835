/** What every page gets: where to render, its route arguments, and cleanup registration. */
export interface PageContext {
  main: HTMLElement;
  /** Route segments after the page name: `#/traces/<id>` → [id]. */
  args: string[];
  /** `#/traces?name=x` → name=x. */
  query: URLSearchParams;
  /** Called when the user leaves the page (unsubscribe, stop timers). */
  onCleanup(fn: () => void): void;
  /** True once the user left; async work should stop touching the DOM. */
  readonly left: boolean;
}

export type Page = (ctx: PageContext) => Promise<void> | void;
