import type { BuildPlan } from '../../src/buildx/plan.ts';
import { NO_EXTRAS } from '../../src/buildx/extras.ts';
import type { ContainerSample } from '../../src/smoke/readiness.ts';

/** A build plan with nothing set but what every plan has; tests override what they look at. */
export function testPlan(over: Partial<BuildPlan> = {}): BuildPlan {
  return {
    context: '/ws/app',
    file: '/ws/app/Dockerfile',
    platforms: ['linux/amd64'],
    tags: [],
    push: false,
    load: false,
    buildArgs: [],
    labels: [],
    cacheFrom: [],
    cacheTo: [],
    extras: NO_EXTRAS,
    metadataFile: '/tmp/w/metadata.json',
    iidFile: '/tmp/w/iid.txt',
    ...over,
  };
}

/** A running container of compose project `p` for `service`, as a smoke-test poll samples it. */
export function containerSample(service: string, patch: Partial<ContainerSample> = {}): ContainerSample {
  return {
    id: service,
    name: `p-${service}-1`,
    service,
    status: 'running',
    restarting: false,
    exitCode: 0,
    restartCount: 0,
    oomKilled: false,
    error: '',
    ...patch,
  };
}
