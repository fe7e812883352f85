/** Every output of the action, declared once; a test holds action.yml to this list. */
export const OUTPUT_NAMES = [
  'imageid',
  'digest',
  'metadata',
  'version',
  'tags',
  'labels',
  'annotations',
  'json',
  'smoke-status',
  'size-report',
  'budget-status',
  'vulnerabilities',
  'comment-url',
  'report',
  'go-cache-hit',
  'go-cache-restored',
] as const;

export type OutputName = (typeof OUTPUT_NAMES)[number];
