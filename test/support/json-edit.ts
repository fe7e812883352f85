/** A copy of `value` as JSON with edits applied: each a dotted path (list indexes as numbers) and its new value (undefined: removed). */
export function editedJson(value: unknown, ...edits: [path: string, value: unknown][]): string {
  const copy = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  for (const [path, next] of edits) {
    const keys = path.split('.');
    let at = copy;
    for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
    const last = keys.at(-1)!;
    if (next === undefined) delete at[last];
    else at[last] = next;
  }
  return JSON.stringify(copy);
}
