/**
 * Which service each message of a failed `docker compose up` is about. Compose 2.26 prints
 * progress lines (` db Pulling`, ` Container p-app-1  Started`), lines about one object
 * (` db Error <message>`, ` Container p-migrate-1  service "migrate" didn't complete
 * successfully: exit 1`) and last the error it exits with (`Error response from daemon: …`),
 * usually the same message again. The subject of a line is not always right: with two images
 * that cannot be pulled, compose prints the first error on both services' lines. So a message
 * that names an image, a container or a service is about that one; the line's subject comes last.
 * Captures: test/fixtures/smoke/samples/up-*.txt.
 */
import { isImageReferenceError, parseImageReference, repositoryOf } from '../util/reference.js';
import { clip, stripAnsi } from '../util/text.js';
import type { ContainerSample, ServiceVerdict } from './readiness.js';

/** The longest message quoted from compose or the engine. */
export const MAX_MESSAGE = 300;
/** The most messages kept per service, and for the project as a whole. */
export const MAX_MESSAGES = 3;

/** What attribution needs to know about the project. */
export interface ComposeNames {
  project: string;
  /** Every service of the resolved compose model, with its image when it names one. */
  images: Readonly<Record<string, string | undefined>>;
  /** The containers of the last poll (names, services, the engine's start errors). */
  containers: readonly Pick<ContainerSample, 'name' | 'service' | 'error'>[];
}

/** One fault, attributed. */
export interface Diagnostic {
  /** The service it is about; undefined: the project as a whole (a network, compose itself). */
  service?: string;
  /** A few words for the state column: `cannot be pulled`, `image missing`, `failed`. */
  state: string;
  /** One sentence, in compose's or the engine's own words. */
  message: string;
}

/** One meaningful line of compose's output. */
interface ComposeLine {
  /** The service the line is printed for (its subject), when it is one. */
  subject?: string;
  /** A bare service line (` db Error …`): compose prints those while pulling. */
  pulling: boolean;
  text: string;
}

/** Whether the model has a service of that name (its own keys only: `constructor` is not one). */
const isService = (names: ComposeNames, name: string): boolean => Object.hasOwn(names.images, name);

const PROGRESS_WORDS = [
  ...['Pulling', 'Pulled', 'Creating', 'Created', 'Recreate', 'Recreated', 'Starting', 'Started', 'Waiting', 'Healthy', 'Exited'],
  ...['Running', 'Stopping', 'Stopped', 'Removing', 'Removed', 'Building', 'Built', 'Skipped', 'Interrupted', 'Error', 'Warning'],
  ...['Downloading', 'Extracting'],
];
const PROGRESS = new RegExp(`^(?:${PROGRESS_WORDS.join('|')})?\\s*$`);

/** Pure: the lines of compose's output that say something, with their subject. Progress and warnings are left out. */
export function composeLines(output: string, names: ComposeNames): ComposeLine[] {
  const lines: ComposeLine[] = [];
  for (const raw of stripAnsi(output).split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || /^(WARN\[|level=warn|time="[^"]*" level=warn)/.test(line)) continue;
    const object = /^(Container|Network|Volume|Image)\s+(\S+)\s+(.*)$/.exec(line);
    if (object) {
      if (PROGRESS.test(object[3]!)) continue;
      const subject = object[1] === 'Container' ? serviceOfContainer(object[2]!, names) : undefined;
      lines.push({ subject, pulling: false, text: object[3]!.replace(/^Error\s+(?!response from daemon:)/, '') });
      continue;
    }
    const service = /^(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (service && isService(names, service[1]!) && /^[A-Z][a-z]+$/.test(service[2]!)) {
      if (service[2] === 'Error' && service[3]) lines.push({ subject: service[1], pulling: true, text: service[3] });
      continue;
    }
    lines.push({ pulling: false, text: line });
  }
  return lines;
}

/** Pure: the message without the prefixes compose and the daemon put before it. */
export function bareMessage(text: string): string {
  return text
    .replace(/^(Error response from daemon:|Error:|error:)\s*/i, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const boundary = (text: string, start: number, end: number): boolean =>
  !/[\w./-]/.test(text[start - 1] ?? ' ') && !/[\w./-]/.test(text[end] ?? ' ');

/** Whether `text` holds `needle` as a whole name (not inside a longer one). */
function mentions(text: string, needle: string): boolean {
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    if (boundary(text, at, at + needle.length)) return true;
  }
  return false;
}

/** How well a message names an image: 2 the reference, 1 its repository, 0 not at all. */
function imageScore(message: string, image: string): number {
  const ref = parseImageReference(image);
  if (isImageReferenceError(ref)) return mentions(message, image) ? 2 : 0;
  const repository = repositoryOf(ref);
  const full = ref.registry ? repository : `docker.io/${repository.includes('/') ? '' : 'library/'}${repository}`;
  const suffix = `${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
  if ([image, `${full}${suffix || ':latest'}`].some((r) => mentions(message, r))) return 2;
  return [repository, full].some((r) => mentions(message, r)) ? 1 : 0;
}

/** The services whose image the message names (the best match only). */
function servicesOfImage(message: string, names: ComposeNames): string[] {
  const scored = Object.entries(names.images).map(([service, image]) => ({ service, score: image ? imageScore(message, image) : 0 }));
  const best = Math.max(0, ...scored.map((s) => s.score));
  return best === 0 ? [] : scored.filter((s) => s.score === best).map((s) => s.service);
}

/** The service of a container name: one seen in a poll, or compose's `<project>-<service>-<n>`. */
function serviceOfContainer(name: string, names: ComposeNames): string | undefined {
  const seen = names.containers.find((c) => c.name === name);
  if (seen) return seen.service;
  const m = new RegExp(`^${escapeRegExp(names.project)}[-_](.+)[-_]\\d+$`).exec(name);
  return m && isService(names, m[1]!) ? m[1] : undefined;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The service a message names: a container of the project, or `service "x"`. */
function serviceNamed(message: string, names: ComposeNames): string | undefined {
  for (const c of names.containers) if (c.name && mentions(message, c.name)) return c.service;
  const container = new RegExp(`(?:^|[^\\w.-])(${escapeRegExp(names.project)}[-_][\\w.-]+?[-_]\\d+)(?![\\w.-])`).exec(message);
  const byName = container ? serviceOfContainer(container[1]!, names) : undefined;
  if (byName) return byName;
  const quoted = /service "([^"]+)"/.exec(message)?.[1];
  if (quoted && isService(names, quoted)) return quoted;
  // A start that failed: the engine keeps the same words as the container's error.
  return message ? names.containers.find((c) => c.error && (message.includes(c.error) || c.error.includes(message)))?.service : undefined;
}

const PULL_WORDS = /pull|resolve reference|manifest|not found|denied|unauthorized|toomanyrequests|no such host|timeout|dial tcp|x509|tls/i;

/** What one message says about the services it names. */
function diagnoseLine(line: ComposeLine, names: ComposeNames): Diagnostic[] {
  const message = bareMessage(line.text);
  const imageOwners = servicesOfImage(message, names);
  if (imageOwners.length > 0) {
    const found: Diagnostic[] = imageOwners.map((service) => imageDiagnostic(service, names.images[service]!, message, line.pulling));
    // Compose printed another service's error on this one's line: its own pull did not finish either.
    if (line.subject && !imageOwners.includes(line.subject) && names.images[line.subject]) {
      found.push({
        service: line.subject,
        state: 'not pulled',
        message: `image ${names.images[line.subject]} was not pulled (compose printed service ${imageOwners.join(', ')}'s error for it)`,
      });
    }
    return found;
  }
  const service = serviceNamed(message, names) ?? line.subject;
  return [{ service, state: 'failed', message }];
}

function imageDiagnostic(service: string, image: string, message: string, pulling: boolean): Diagnostic {
  if (/no such image/i.test(message))
    return { service, state: 'image missing', message: `image ${image} is not in the image store: ${message}` };
  if (pulling || PULL_WORDS.test(message))
    return { service, state: 'cannot be pulled', message: `image ${image} cannot be pulled: ${message}` };
  return { service, state: 'failed', message };
}

/** Whether `a` already says what `b` says (the same words, for the same service or for none). */
const covers = (a: Diagnostic, b: Diagnostic): boolean =>
  a.message.includes(b.message) && (a.service === b.service || b.service === undefined);

/**
 * Pure: the faults of a failed `compose up`, each attributed to its service (or to none),
 * deduplicated (compose repeats its error as the daemon's), at most MAX_MESSAGES per service,
 * each at most MAX_MESSAGE characters.
 */
export function diagnoseComposeUp(output: string, names: ComposeNames): Diagnostic[] {
  let kept: Diagnostic[] = [];
  for (const d of composeLines(output, names).flatMap((line) => diagnoseLine(line, names))) {
    if (d.message === '' || kept.some((k) => covers(k, d))) continue;
    kept = kept.filter((k) => !covers(d, k));
    if (kept.filter((k) => k.service === d.service).length < MAX_MESSAGES) kept.push(d);
  }
  return kept.map((d) => ({ ...d, message: clip(d.message, MAX_MESSAGE) }));
}

/** A failed `up` as the wait sees it: services with their faults, and what belongs to none. */
export interface UpFailure {
  services: ServiceVerdict[];
  /** Messages about the project as a whole, joined; undefined when every message has a service. */
  projectError?: string;
}

/**
 * Pure: the stack after a failed `up`. What the engine says about a container (its state)
 * stands; compose's diagnostics fail the services they are about that have nothing of their
 * own to show; a service that is not ready and has no fault of its own was not started because
 * of the others, and says whose fault it was.
 */
export function attributeUpFailure(verdicts: readonly ServiceVerdict[], diagnostics: readonly Diagnostic[], exitCode: number): UpFailure {
  const own = (service: string): Diagnostic[] => diagnostics.filter((d) => d.service === service);
  const named = [...new Set(diagnostics.flatMap((d) => (d.service ? [d.service] : [])))];
  const all = [
    ...verdicts,
    ...named
      .filter((s) => !verdicts.some((v) => v.service === s))
      .map((service): ServiceVerdict => ({ service, containers: [], readiness: 'waiting', state: 'not created', reason: '' })),
  ];
  const blamed = all.map((v): ServiceVerdict => {
    const faults = own(v.service);
    if (v.readiness === 'failed' || faults.length === 0) return v;
    return { ...v, readiness: 'failed', state: faults[0]!.state, reason: faults.map((d) => d.message).join('; ') };
  });
  const culprits = blamed.filter((v) => v.readiness === 'failed').map((v) => v.service);
  const projectMessages = diagnostics.filter((d) => d.service === undefined).map((d) => d.message);
  const projectError =
    projectMessages.length > 0 ? projectMessages.join('; ') : culprits.length === 0 ? `it exited with code ${exitCode}` : undefined;
  const cause = culprits.length > 0 ? `compose up stopped at ${culprits.join(', ')}` : 'docker compose up failed';
  return {
    services: blamed.map((v) =>
      v.readiness === 'waiting' && ['not created', 'created'].includes(v.state)
        ? { ...v, state: 'not started', reason: `not started: ${cause}` }
        : v,
    ),
    projectError,
  };
}
