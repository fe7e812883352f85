/** Which stages a build runs, and what they build on. */
import { expandVariables } from './expand.js';
import { findStage, resolveBaseImage, stageChain, stageScope, type ScopeOptions } from './scope.js';
import type { DockerfileModel, Stage } from './types.js';

/**
 * Pure: the external image a stage finally builds on, following `FROM <stage>` chains;
 * undefined for `scratch` or a loop.
 */
export function rootImage(model: DockerfileModel, stage: Stage, opts: ScopeOptions = {}): string | undefined {
  const first = stageChain(model, stage, opts)[0]!;
  const image = resolveBaseImage(model, first, opts).value;
  if (findStage(model, image, first.index)) return undefined;
  return image === '' || image === 'scratch' ? undefined : image;
}

/** Pure: the stages a build of `target` (default: the last stage) runs, in file order. */
export function stagesForTarget(model: DockerfileModel, target?: string, opts: ScopeOptions = {}): Stage[] {
  const last = model.stages[model.stages.length - 1];
  const start = target ? findStage(model, target) : last;
  if (!start) return [];
  const needed = new Set<number>();
  const visit = (stage: Stage): void => {
    if (needed.has(stage.index)) return;
    needed.add(stage.index);
    const parent = findStage(model, resolveBaseImage(model, stage, opts).value, stage.index);
    if (parent) visit(parent);
    for (const ins of stage.instructions) {
      const refs: string[] = [];
      const from = ins.flags.find((f) => f.name === 'from')?.value;
      if (from && (ins.keyword === 'COPY' || ins.keyword === 'ADD')) refs.push(from);
      for (const m of ins.run?.mounts ?? []) if (m.from) refs.push(m.from);
      for (const ref of refs) {
        const s = findStage(model, expandVariables(ref, stageScope(model, stage, ins.line, opts), model.escapeChar).value, stage.index);
        if (s) visit(s);
      }
    }
  };
  visit(start);
  return model.stages.filter((s) => needed.has(s.index));
}

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
