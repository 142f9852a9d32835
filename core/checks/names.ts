/** Identifier rules shared by handler, middleware and path-parameter checks. */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** The nearest valid identifier, for hints: `send-email` → `send_email`, `1st` → `_1st`. */
export function toIdentifier(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]+/g, "_");
  if (cleaned === "") return "_";
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}
