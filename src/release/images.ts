import { InputError } from '../errors.js';
import { isImageReferenceError, parseImageReference } from '../util/reference.js';

/**
 * The `images` input: repositories (no tag, no digest) the release tags are applied to,
 * already split into a list. Duplicates are dropped, order is kept.
 */
export function parseImages(list: string[]): string[] {
  const images: string[] = [];
  for (const image of list) {
    const parsed = parseImageReference(image);
    if (isImageReferenceError(parsed)) {
      throw new InputError('images', `'${image}' ${parsed.error}. Expected repositories without tag, e.g. ghcr.io/org/app.`);
    }
    if (parsed.tag !== undefined || parsed.digest !== undefined) {
      throw new InputError(
        'images',
        `'${image}' has a ${parsed.digest !== undefined ? 'digest' : 'tag'}. Expected repositories without tag or digest, e.g. ghcr.io/org/app (tags follow the ref; ` +
          `give full references in \`tags\` instead).`,
      );
    }
    if (!images.includes(image)) images.push(image);
  }
  return images;
}
