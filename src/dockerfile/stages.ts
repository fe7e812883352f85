import type { DockerfileModel } from './model.js';

/** Pure: the names of a Dockerfile's stages (`FROM … AS name`, lower-cased as BuildKit treats them), in file order. */
export function stageNames(model: Pick<DockerfileModel, 'stages'>): string[] {
  const names: string[] = [];
  for (const stage of model.stages) if (stage.name && !names.includes(stage.name)) names.push(stage.name);
  return names;
}

/** Pure: whether `target` names a stage, as buildx's --target matches it (by name, any case). */
export function isStageName(model: Pick<DockerfileModel, 'stages'>, target: string): boolean {
  return stageNames(model).includes(target.toLowerCase());
}
