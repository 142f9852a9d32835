/** Terminal output: quiet by default, coloured only on a TTY and never with NO_COLOR. */
import type { Output } from "./command.ts";

export function createOutput(): Output {
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
  return {
    color,
    log: (line) => process.stdout.write(line + "\n"),
    error: (line) => process.stderr.write(line + "\n"),
  };
}

const wrap = (code: number) => (text: string, on: boolean) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);
export const bold = wrap(1);
export const dim = wrap(2);
export const red = wrap(31);
export const green = wrap(32);
export const yellow = wrap(33);
export const cyan = wrap(36);
