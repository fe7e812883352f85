/**
 * Finds the cache mounts a build uses: every `RUN --mount=type=cache` in the stages the build
 * target needs, resolved per platform (ids and targets may use `$TARGETARCH` and friends).
 * Pure: a Dockerfile model in, cache slots out.
 */
import { resolveMount, rootImage, stageScope, stagesForTarget, type DockerfileModel, type ScopeOptions } from '../dockerfile/model.js';

/**
 * What a cache holds, which decides how it is keyed and trimmed:
 * - `go-modules`: GOMODCACHE, keyed by the go.sum files; immutable files, kept whole.
 * - `go-build`: GOCACHE, saved under a new key each run; only the working set is kept.
 * - `other`: any other cache mount; saved like go-build, changed files replace old ones.
 */
export type CacheKind = 'go-modules' | 'go-build' | 'other';

/** One BuildKit cache (one id) as the build uses it. */
export interface CacheSlot {
  /** BuildKit's cache id (the target when the Dockerfile gives none). */
  id: string;
  kind: CacheKind;
  /** The mount target of its first use (where the tools inside expect it). */
  target: string;
  sharing: string;
  uid?: string;
  gid?: string;
  mode?: string;
  /** The platforms whose build uses this cache (ids shared across platforms share a slot). */
  platforms: string[];
  /** The image the stage using it builds on: the inject/extract helpers run in it. */
  image?: string;
  /** Dockerfile lines of the RUN instructions that mount it. */
  lines: number[];
}

export interface DiscoverOptions {
  platforms: string[];
  target?: string;
  buildArgs?: Record<string, string>;
  /** The builder's own platform (BUILDPLATFORM). */
  buildPlatform?: string;
}

export interface Discovery {
  slots: CacheSlot[];
  /** Mounts left alone, with the reason (for the log). */
  skipped: { line: number; reason: string }[];
}

/** Pure: the kind of cache a mount target (and the stage's GOCACHE/GOMODCACHE env) suggests. */
export function cacheKind(target: string, env: ReadonlyMap<string, string> = new Map()): CacheKind {
  const t = target.replace(/\/+$/, '');
  if (t === env.get('GOMODCACHE') || /(^|\/)pkg\/mod$/.test(t) || /(^|\/)gomodcache$/i.test(t)) return 'go-modules';
  if (t === env.get('GOCACHE') || /(^|\/)go-build$/.test(t) || /(^|\/)gocache$/i.test(t)) return 'go-build';
  return 'other';
}

/** Pure: the cache slots of a build. */
export function discoverCaches(model: DockerfileModel, opts: DiscoverOptions): Discovery {
  const bySlot = new Map<string, CacheSlot>();
  const skipped: Discovery['skipped'] = [];
  const note = (line: number, reason: string): void => {
    if (!skipped.some((s) => s.line === line && s.reason === reason)) skipped.push({ line, reason });
  };
  for (const platform of opts.platforms) {
    const scope: ScopeOptions = { buildArgs: opts.buildArgs, targetPlatform: platform, buildPlatform: opts.buildPlatform };
    for (const stage of stagesForTarget(model, opts.target, scope)) {
      for (const ins of stage.instructions) {
        for (const mount of ins.run?.mounts ?? []) {
          if (mount.type !== 'cache') continue;
          const m = resolveMount(model, stage, ins, mount, scope);
          if (!m.target) {
            note(ins.line, 'a cache mount without a target');
            continue;
          }
          if (m.from) {
            note(ins.line, `the cache mount at ${m.target} is seeded from '${m.from}'`);
            continue;
          }
          if (m.unresolved.length > 0) {
            note(
              ins.line,
              `the cache mount at ${mount.target ?? ''} uses ${m.unresolved.map((v) => `$${v}`).join(', ')}, which has no value here`,
            );
          }
          const id = m.cacheId ?? m.target;
          const existing = bySlot.get(id);
          if (existing) {
            if (!existing.platforms.includes(platform)) existing.platforms.push(platform);
            if (!existing.lines.includes(ins.line)) existing.lines.push(ins.line);
            continue;
          }
          // ENV set in a base stage (GOCACHE, GOMODCACHE) still applies here.
          const env = stageScope(model, stage, ins.line, scope);
          bySlot.set(id, {
            id,
            kind: cacheKind(m.target, env),
            target: m.target,
            sharing: m.sharing ?? 'shared',
            uid: m.uid,
            gid: m.gid,
            mode: m.mode,
            platforms: [platform],
            image: rootImage(model, stage, { ...scope, targetPlatform: opts.buildPlatform ?? platform }),
            lines: [ins.line],
          });
        }
      }
    }
  }
  const slots = [...bySlot.values()].map((s) => ({ ...s, platforms: [...s.platforms].sort(), lines: [...s.lines].sort((a, b) => a - b) }));
  return { slots, skipped };
}
