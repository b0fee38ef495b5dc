/**
 * What a page may show of a secret. Admins see the last four characters of long values, to tell
 * keys apart; members see only that a value is set. Short values never show any character.
 */
export function maskSecret(value: string, opts: { revealTail: boolean }): string {
  if (!opts.revealTail || value.length < 12) return "••••••••";
  return `••••${value.slice(-4)}`;
}
