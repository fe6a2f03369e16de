/**
 * Secrets in free text (oslo failure messages, warnings): `password=…`, `token: …`,
 * `Bearer …`, `Basic …`, `X-Auth-Token: …`, `scheme://user:password@`. The value is
 * replaced, the name kept; applied where a dissector keeps such text and again where
 * anything is printed.
 */
const secretPatterns: readonly [RegExp, string][] = [
  [/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/gi, '$1:***@'],
  [
    new RegExp(
      String.raw`\b(X-[A-Za-z0-9-]*Token|Authorization|Proxy-Authorization|Cookie|Set-Cookie)(\s*[:=]\s*)` +
        String.raw`(?:(?:Bearer|Basic|Negotiate|Digest)\s+)?[^\s,;'"]+`,
      'gi',
    ),
    '$1$2***',
  ],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 ***'],
  // `key` alone or as api/access/secret/private/auth key: `routing_key=` is no secret.
  [
    new RegExp(
      String.raw`\b([A-Za-z_-]*(?:password|passwd|secret|token|credential)s?|` +
        String.raw`(?:(?:api|access|secret|private|auth)[_-]?)?key)(["']?\s*[:=]\s*["']?)[^\s,;'"&}]+`,
      'gi',
    ),
    '$1$2***',
  ],
];

/** Longer text is cut first: the patterns backtrack, and no printed line needs more. */
const maxRedactedChars = 16384;

export function redactSecrets(text: string): string {
  let out = text.length > maxRedactedChars ? `${text.slice(0, maxRedactedChars)}…` : text;
  for (const [re, by] of secretPatterns) out = out.replace(re, by);
  return out;
}
