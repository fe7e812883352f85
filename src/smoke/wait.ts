import { attributeUpFailure, diagnoseComposeUp, type ComposeNames } from './diagnose.js';
import { stackVerdict, timedOutStack, type ContainerSample, type ServiceVerdict } from './readiness.js';

/** One attempt at a probe URL. */
export interface ProbeAttempt {
  ok: boolean;
  /** HTTP status, or undefined when there was no answer. */
  status?: number;
  /** The start of the body, or the connection error. */
  detail: string;
}

export interface ProbeResult {
  url: string;
  ok: boolean;
  attempts: number;
  last?: ProbeAttempt;
  /** Milliseconds from the start of the wait to the first 2xx. */
  readyAfterMs?: number;
}

export interface ServiceResult extends ServiceVerdict {
  /** Milliseconds from the start of the wait until the service was first ready. */
  readyAfterMs?: number;
}

export interface WaitOutcome {
  ok: boolean;
  services: ServiceResult[];
  probes: ProbeResult[];
  elapsedMs: number;
  /** `docker compose up` failed with this, about no service in particular (a service's own fault is in its verdict). */
  upError?: string;
  /** The deadline passed. */
  timedOut: boolean;
}

/** What the wait loop needs from the world; injected so the loop is tested without docker. */
export interface WaitDeps {
  sample(): Promise<ContainerSample[]>;
  probe(url: string, timeoutMs: number): Promise<ProbeAttempt>;
  /** The result of `up` once it has ended: its exit code and its output. */
  upResult(): { exitCode: number; output: string } | undefined;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Progress for the log, e.g. `app: healthy after 2.5 s`. */
  log(message: string): void;
}

export interface WaitOptions {
  expected: readonly string[];
  /** The project and the images of its services, to tell whose fault a failed `up` is. */
  compose: Omit<ComposeNames, 'containers'>;
  probes: readonly string[];
  timeoutMs: number;
  pollMs?: number;
  /** Per-attempt limit for one probe request. */
  probeTimeoutMs?: number;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** When each service became ready, and the state changes for the log. */
class ReadinessTrack {
  readonly readyAfter = new Map<string, number>();
  private readonly lastState = new Map<string, string>();
  constructor(private readonly log: (message: string) => void) {}

  /** Notes one poll's verdicts, taken `at` ms after the start. */
  see(verdicts: ServiceVerdict[], at: number): void {
    for (const v of verdicts) {
      // Time to ready: when the service reached the ready state it is in (a one-shot service
      // is running, then completed: it counts from its completion).
      if (v.readiness !== 'ready') this.readyAfter.delete(v.service);
      else if (!this.readyAfter.has(v.service) || this.lastState.get(v.service) !== v.state) this.readyAfter.set(v.service, at);
      if (this.lastState.get(v.service) !== v.state) {
        this.lastState.set(v.service, v.state);
        this.log(`${v.service}: ${v.state} after ${seconds(at)}`);
      }
    }
  }
}

/** Tries each probe not yet answered once, within what is left of the deadline. */
async function probeOnce(
  probes: ProbeResult[],
  limits: { deadline: number; start: number; probeTimeoutMs: number },
  deps: WaitDeps,
): Promise<void> {
  for (const p of probes.filter((x) => !x.ok)) {
    const left = limits.deadline - deps.now();
    if (left <= 0) break;
    p.attempts++;
    p.last = await deps.probe(p.url, Math.min(limits.probeTimeoutMs, left));
    if (p.last.ok) {
      p.ok = true;
      p.readyAfterMs = deps.now() - limits.start;
      deps.log(`${p.url}: ${p.last.status ?? ''} after ${seconds(p.readyAfterMs)}`);
    }
  }
}

/**
 * Waits until every expected service is ready in two polls in a row (so a container that
 * dies right after starting is not called ready), `up` has finished, and every probe has
 * answered 2xx, all under one deadline. Any failed service ends the wait at once.
 */
export async function waitForStack(opts: WaitOptions, deps: WaitDeps): Promise<WaitOutcome> {
  const pollMs = opts.pollMs ?? 500;
  const probeTimeoutMs = opts.probeTimeoutMs ?? 2000;
  const start = deps.now();
  const deadline = start + opts.timeoutMs;
  const track = new ReadinessTrack((message) => deps.log(message));
  const probes: ProbeResult[] = opts.probes.map((url) => ({ url, ok: false, attempts: 0 }));
  let readyStreak = 0;

  const finish = (verdicts: ServiceVerdict[], extra: Partial<WaitOutcome>): WaitOutcome => ({
    ok: false,
    services: verdicts.map((v) => ({ ...v, readyAfterMs: track.readyAfter.get(v.service) })),
    probes,
    elapsedMs: deps.now() - start,
    timedOut: false,
    ...extra,
  });

  for (;;) {
    // Read before the poll: once up has ended, the poll sees the state up saw.
    const up = deps.upResult();
    const samples = await deps.sample();
    const verdicts = stackVerdict(opts.expected, samples);
    track.see(verdicts, deps.now() - start);
    if (up && up.exitCode !== 0) {
      // Each of compose's messages goes to the service it is about; the others were not started because of them.
      const failure = attributeUpFailure(verdicts, diagnoseComposeUp(up.output, { ...opts.compose, containers: samples }), up.exitCode);
      return finish(failure.services, { upError: failure.projectError });
    }
    if (verdicts.some((v) => v.readiness === 'failed')) return finish(verdicts, {});

    const allReady = verdicts.every((v) => v.readiness === 'ready');
    readyStreak = allReady ? readyStreak + 1 : 0;
    if (allReady && readyStreak >= 2 && up) {
      await probeOnce(probes, { deadline, start, probeTimeoutMs }, deps);
      if (probes.every((p) => p.ok)) {
        return { ...finish(verdicts, {}), ok: true };
      }
    }

    if (deps.now() >= deadline) {
      return finish(timedOutStack(verdicts), { timedOut: true });
    }
    await deps.sleep(Math.min(pollMs, Math.max(0, deadline - deps.now())));
  }
}

/** Tries one probe URL once: ok on 2xx. Never throws. */
export async function probeUrl(url: string, timeoutMs: number): Promise<ProbeAttempt> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    const body = (await res.text().catch(() => '')).slice(0, 300).trim();
    return { ok: res.status >= 200 && res.status < 300, status: res.status, detail: body };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    const code = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
    const message =
      error instanceof Error ? (error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : error.message) : String(error);
    return { ok: false, detail: code ? `${code}: ${cause?.message ?? message}` : message };
  }
}
