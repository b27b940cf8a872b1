/**
 * English words left in a text that should be Chinese. Ids (device, gate,
 * area, person refs: they are codes, not words) are taken out first; what is
 * left may only hold the few Latin tokens of the explicit allow-list.
 */
export const ALLOWED_LATIN = new Set(['mg', 'L', 'MQTT', 'CSV', 'API', 'English', 'gatewatch']);

export function englishWords(text: string, ids: readonly string[]): string[] {
  let rest = text;
  for (const id of [...ids].sort((a, b) => b.length - a.length)) rest = rest.split(id).join(' ');
  return (rest.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !ALLOWED_LATIN.has(w));
}
