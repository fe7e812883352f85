/** Whose fault a failed `docker compose up` is: real outputs of compose 2.26.1 / engine 26.1, and the edges. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  attributeUpFailure,
  bareMessage,
  composeLines,
  diagnoseComposeUp,
  MAX_MESSAGE,
  MAX_MESSAGES,
  type ComposeNames,
  type Diagnostic,
} from '../../src/smoke/diagnose.js';
import { mergeSamples, parseInspect, parsePs } from '../../src/docker/containers.js';
import { stackVerdict } from '../../src/smoke/readiness.js';
import { containerSample } from '../support/samples.js';

const samples = join(import.meta.dirname, '../fixtures/smoke/samples');
const read = (name: string): string => readFileSync(join(samples, name), 'utf8');
/** The containers a poll saw, from a capture of `compose ps` and `docker inspect`. */
const polled = (capture: string) => mergeSamples(parsePs(read(`ps-${capture}.jsonl`)), parseInspect(read(`inspect-${capture}.json`)));

const APP = 'gca-capture/app:1';
const BUSYBOX = 'busybox:latest';
const resolve = (image: string) => `failed to resolve reference "${image}": ${image}: not found`;

// capture, project, images of its services, containers polled, what is diagnosed
const CAPTURES: [string, string, Record<string, string>, ComposeNames['containers'], Diagnostic[]][] = [
  [
    'up-neighbour-pull',
    'capt1',
    { app: APP, db: '127.0.0.1:5000/nope:1', cache: BUSYBOX },
    [],
    [
      {
        service: 'db',
        state: 'cannot be pulled',
        message: `image 127.0.0.1:5000/nope:1 cannot be pulled: ${resolve('127.0.0.1:5000/nope:1')}`,
      },
    ],
  ],
  [
    // Compose prints queue's error on db's line too: the message names queue's image, so it is queue's.
    'up-two-pulls',
    'capt-pull2',
    { app: APP, db: '127.0.0.1:5000/nope:1', queue: '127.0.0.1:5000/gone/queue:7', cache: BUSYBOX },
    [],
    [
      {
        service: 'queue',
        state: 'cannot be pulled',
        message: `image 127.0.0.1:5000/gone/queue:7 cannot be pulled: ${resolve('127.0.0.1:5000/gone/queue:7')}`,
      },
      {
        service: 'db',
        state: 'not pulled',
        message: "image 127.0.0.1:5000/nope:1 was not pulled (compose printed service queue's error for it)",
      },
    ],
  ],
  [
    'up-no-such-image',
    'capt-never',
    { app: APP, db: 'gca-capture/absent:1' },
    [],
    [
      {
        service: 'db',
        state: 'image missing',
        message: 'image gca-capture/absent:1 is not in the image store: No such image: gca-capture/absent:1',
      },
    ],
  ],
  [
    // The daemon's error names no container: it is the one whose start failed with these words.
    'up-cannot-start',
    'capt-start',
    { app: APP, cache: BUSYBOX },
    polled('cannot-start'),
    [
      {
        service: 'app',
        state: 'failed',
        message:
          'failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/nope": stat /nope: no such file or directory: unknown',
      },
    ],
  ],
  [
    'up-port-taken',
    'capt-port',
    { app: APP, cache: BUSYBOX },
    [],
    [
      {
        service: 'app',
        state: 'failed',
        message:
          'driver failed programming external connectivity on endpoint capt-port-app-1 (44f91f2182b95a78ef0e7d6641fe72e89d180c2aaa65d14734dccefe9a25c3ff): Bind for 0.0.0.0:18999 failed: port is already allocated',
      },
    ],
  ],
  [
    'up-dependency-exited',
    'capt-crash',
    { app: APP, web: BUSYBOX },
    polled('dependency-exited'),
    [{ service: 'app', state: 'failed', message: 'dependency failed to start: container capt-crash-app-1 exited (3)' }],
  ],
  [
    'up-dependency-unhealthy',
    'capt-unhealthy',
    { app: APP, web: BUSYBOX },
    [],
    [{ service: 'app', state: 'failed', message: 'dependency failed to start: container capt-unhealthy-app-1 is unhealthy' }],
  ],
  [
    'up-dependency-incomplete',
    'capt-oneshot',
    { migrate: BUSYBOX, app: APP },
    [],
    [{ service: 'migrate', state: 'failed', message: 'service "migrate" didn\'t complete successfully: exit 1' }],
  ],
];

describe('diagnoseComposeUp on captured outputs', () => {
  it.each(CAPTURES)('%s', (capture, project, images, containers, expected) => {
    expect(diagnoseComposeUp(read(`${capture}.txt`), { project, images, containers })).toEqual(expected);
  });

  it('reads the progress of a capture as nothing to say', () => {
    const names = { project: 'capt-crash', images: { app: APP, web: BUSYBOX }, containers: [] };
    expect(composeLines(read('up-dependency-exited.txt'), names).map((l) => [l.subject, l.text])).toEqual([
      [undefined, 'dependency failed to start: container capt-crash-app-1 exited (3)'],
    ]);
  });
});

const names = (images: Record<string, string | undefined>, containers: ComposeNames['containers'] = []): ComposeNames => ({
  project: 'p',
  images,
  containers,
});

describe('diagnoseComposeUp: attribution', () => {
  it.each([
    [
      "a container of a service whose name begins with another's",
      'Error response from daemon: Conflict. The container name "/p-app-db-1" is already in use',
      { app: APP, 'app-db': BUSYBOX },
      'app-db',
    ],
    [
      'an image by its tag, not a longer one',
      'Error response from daemon: No such image: registry.test/x:1',
      { a: 'registry.test/x:10', b: 'registry.test/x:1' },
      'b',
    ],
    [
      'a Docker Hub image by its repository',
      "Error response from daemon: pull access denied for acme/private, repository does not exist or may require 'docker login'",
      { app: APP, db: 'acme/private:2' },
      'db',
    ],
    [
      'an official image by its full name',
      'Error response from daemon: manifest for docker.io/library/postgres:17 not found',
      { app: APP, db: 'postgres:17' },
      'db',
    ],
    [
      'a container with a name of its own',
      'Error response from daemon: Cannot restart container the-db: boom',
      { app: APP, db: BUSYBOX },
      'db',
    ],
    [
      'a service in quotes',
      'service "migrate" has neither an image nor a build context specified',
      { migrate: undefined, app: APP },
      'migrate',
    ],
    ['nothing it knows', 'Error response from daemon: all predefined address pools have been fully subnetted', { app: APP }, undefined],
    ['no service for a word every object has', 'constructor Error boom', { app: APP }, undefined],
  ])('names %s', (_name, output, images, service) => {
    const diagnostics = diagnoseComposeUp(output, names(images, [{ name: 'the-db', service: 'db', error: '' }]));
    expect(diagnostics.map((d) => d.service)).toEqual([service]);
  });

  it('leaves out progress, compose warnings and terminal colours', () => {
    const output =
      '\u001b[33mWARN\u001b[0m[0000] /ws/compose.yaml: `version` is obsolete\nWARN[0000] Found orphan containers\n Network p_default  Creating\n db Pulling \n Container p-app-1  Waiting\n Container p-app-1  Error\n';
    expect(diagnoseComposeUp(output, names({ app: APP, db: BUSYBOX }))).toEqual([]);
  });

  it("keeps one copy of what compose says twice, and drops the daemon's echo of a service's error", () => {
    const output = ' Container p-app-1  Error response from daemon: boom\nError response from daemon: boom\nboom\n';
    expect(diagnoseComposeUp(output, names({ app: APP }))).toEqual([{ service: 'app', state: 'failed', message: 'boom' }]);
  });

  it(`bounds each message to ${MAX_MESSAGE} characters and each service to ${MAX_MESSAGES} messages`, () => {
    const output = Array.from({ length: 6 }, (_, i) => `Error response from daemon: p-app-1 failed ${i}: ${'x'.repeat(400)}`).join('\n');
    const diagnostics = diagnoseComposeUp(output, names({ app: APP }));
    expect(diagnostics).toHaveLength(MAX_MESSAGES);
    for (const d of diagnostics) {
      expect(d.message.length).toBeLessThanOrEqual(MAX_MESSAGE);
      expect(d.message.endsWith('…')).toBe(true);
    }
  });

  it('strips the prefixes compose and the daemon put before a message', () => {
    expect(bareMessage('Error response from daemon:   No such image:  x:1 ')).toBe('No such image: x:1');
    expect(bareMessage('Error: accepts at most 1 arg(s)')).toBe('accepts at most 1 arg(s)');
  });
});

describe('attributeUpFailure', () => {
  const verdicts = stackVerdict(
    ['app', 'db', 'cache'],
    [containerSample('app', { status: 'created' }), containerSample('cache', { status: 'running' })],
  );

  it('fails the service each fault is about; the others, not started, say whose fault it is', () => {
    const failure = attributeUpFailure(
      verdicts,
      [{ service: 'db', state: 'cannot be pulled', message: 'image x cannot be pulled: not found' }],
      18,
    );
    expect(failure.services.map((s) => [s.service, s.readiness, s.state, s.reason])).toEqual([
      ['app', 'waiting', 'not started', 'not started: compose up stopped at db'],
      ['db', 'failed', 'cannot be pulled', 'image x cannot be pulled: not found'],
      ['cache', 'ready', 'running', 'running (no health check)'],
    ]);
    expect(failure.projectError).toBeUndefined();
  });

  it("keeps what the engine says about a container over compose's echo of it", () => {
    const own = stackVerdict(['app'], [containerSample('app', { status: 'exited', exitCode: 3 })]);
    const failure = attributeUpFailure(
      own,
      [{ service: 'app', state: 'failed', message: 'dependency failed to start: container p-app-1 exited (3)' }],
      1,
    );
    expect(failure.services.map((s) => [s.state, s.reason])).toEqual([['exited 3', 'exited with code 3']]);
  });

  it('adds a service compose names that the poll did not see', () => {
    const failure = attributeUpFailure([], [{ service: 'db', state: 'image missing', message: 'image x is not in the image store' }], 1);
    expect(failure.services).toMatchObject([{ service: 'db', readiness: 'failed', state: 'image missing', containers: [] }]);
  });

  it('puts what is about no service on the project, and says it even when compose said nothing', () => {
    expect(attributeUpFailure(verdicts, [{ state: 'failed', message: 'network trouble' }], 1).projectError).toBe('network trouble');
    const silent = attributeUpFailure(verdicts, [], 137);
    expect(silent.projectError).toBe('it exited with code 137');
    expect(silent.services[0]).toMatchObject({ service: 'app', state: 'not started', reason: 'not started: docker compose up failed' });
  });
});
