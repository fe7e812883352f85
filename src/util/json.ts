/** Pure: a JSON object (not null, not an array): what answers and saved state are checked against. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Pure: an object's fields, or none when the value is not a JSON object. */
export function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
