/**
 * A parsed model of a Dockerfile on top of dockerfile-ast: stages, instructions with their
 * lines, RUN flags with every `--mount` split into its options, heredocs, and the ARG/ENV
 * scope so `$VAR` / `${VAR}` in mount targets, ids and base images resolve the way BuildKit
 * resolves them. Pure: text in, plain data out. Lines are 1-based (annotations use them).
 *
 * The API is shared (cache discovery, Dockerfile checks): extend it, don't change it.
 */
export * from './types.js';
export { parseDockerfile } from './parse.js';
export { parseMount, resolveMount, splitCsv, type ResolvedMount } from './mounts.js';
export { expandVariables, type Expansion } from './expand.js';
export { automaticArgs, findStage, globalScope, resolveBaseImage, stageChain, stageScope, type ScopeOptions } from './scope.js';
export { rootImage, stagesForTarget } from './stages.js';
export { absolutePath, contextCopies, copiesOf, workdirAt, type ContextCopy, type FileOptions } from './files.js';
