/** Every output of the action, declared once; a test holds action.yml to this list. */
export const OUTPUT_NAMES = [
  'imageid',
  'digest',
  'metadata',
  'version',
  'tags',
  'smoke-status',
  'size-report',
  'budget-status',
  'vulnerabilities',
  'comment-url',
  'go-cache-hit',
  'go-cache-restored',
] as const;

export type OutputName = (typeof OUTPUT_NAMES)[number];
