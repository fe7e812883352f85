/**
 * Whether a stream gets ANSI styles. NO_COLOR (any value but empty) turns them off whatever
 * else is set; FORCE_COLOR turns them on for a stream that is not a terminal (`0` or `false`:
 * off); otherwise a terminal gets them, unless it says it is dumb.
 */
export function colorEnabled(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !/^(0|false)$/i.test(force.trim());
  return isTTY && env.TERM !== 'dumb';
}
