/**
 * User regular expressions run on every synced record, so they are fenced: at most 200 characters,
 * only stateless flags, no nested quantifiers like (a+)+ (the classic catastrophic backtracking
 * shape), and they only ever see inputs up to MAX_REGEX_INPUT characters.
 */
export const MAX_PATTERN_LENGTH = 200;
export const MAX_REGEX_INPUT = 10_000;

const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d*,?\d*\})/;
const BACKREFERENCE = /\\[1-9]|\\k</;

/** Why a pattern is refused, or null when it is fine. */
export function checkRegex(pattern: string, flags: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return `Patterns are limited to ${MAX_PATTERN_LENGTH} characters.`;
  if (!/^[imsu]{0,4}$/.test(flags)) return "Allowed flags: i, m, s, u.";
  if (NESTED_QUANTIFIER.test(pattern)) return "Nested repetition such as (a+)+ can take forever on some inputs; simplify the pattern.";
  if (BACKREFERENCE.test(pattern)) return "Back-references are not allowed.";
  try {
    new RegExp(pattern, flags);
  } catch (e) {
    return `Not a valid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, "")}`;
  }
  return null;
}

/** Compile a checked pattern; throws with the reason when it is refused. */
export function safeRegExp(pattern: string, flags: string, extraFlags = ""): RegExp {
  const problem = checkRegex(pattern, flags);
  if (problem) throw new Error(problem);
  return new RegExp(pattern, Array.from(new Set(flags + extraFlags)).join(""));
}
