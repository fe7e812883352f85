/**
 * A gate a build's RUN step blocks on, so a test cancels it while it is certainly running and
 * for as long as the test needs: no `sleep` window to race. The step reaches the test over the
 * docker bridge's gateway (as the stack's GOPROXY is reached): it says it arrived, then polls
 * until the test opens the gate. A step that outlived a cancel keeps asking, so the gate also
 * says whether anything of a cancelled build is still alive.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How often a blocked step asks whether the gate is open. */
export const GATE_POLL_MS = 200;

function bridgeGateway(): string {
  try {
    const out = execFileSync('docker', ['network', 'inspect', 'bridge', '--format', '{{range .IPAM.Config}}{{.Gateway}}{{end}}'], {
      encoding: 'utf8',
    }).trim();
    return out.split('\n')[0] || '172.17.0.1';
  } catch {
    return '172.17.0.1';
  }
}

export class RunGate {
  /** Every request a step made: `arrive` once per step, then `poll`s. */
  readonly requests: { kind: 'arrive' | 'poll'; at: number }[] = [];
  private open = false;
  private server: Server | undefined;
  private url = '';
  private arrived: () => void = () => undefined;
  /** Resolves when the first step reached the gate (after `onArrive` answered). */
  readonly firstArrival = new Promise<void>((resolve) => (this.arrived = resolve));

  /** `onArrive` runs while the arriving step waits for its answer: the step's process is certainly alive then. */
  constructor(
    readonly id: string,
    private readonly onArrive: () => void = () => undefined,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const kind = req.url === `/arrive/${this.id}` ? 'arrive' : req.url === `/open/${this.id}` ? 'poll' : undefined;
      if (!kind) return res.writeHead(404).end();
      this.requests.push({ kind, at: Date.now() });
      if (kind === 'arrive') {
        this.onArrive();
        this.arrived();
        return res.writeHead(200).end('ok\n');
      }
      res.writeHead(this.open ? 200 : 404).end();
    });
    const host = bridgeGateway();
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /**
   * A shell step (for `RUN sh -c '…' <name>`: the name marks the process on its command line)
   * that reaches the gate, prints `gca-running-<id><suffix>`, and blocks until the gate opens.
   */
  script(suffix = ''): string {
    const poll = (GATE_POLL_MS / 1000).toFixed(1);
    return (
      // Unreachable: the step fails at once, rather than polling a gate it cannot reach.
      `wget -q -O /dev/null ${this.url}/arrive/${this.id} || exit 7; echo gca-running-${this.id}${suffix}; ` +
      `until wget -q -O /dev/null ${this.url}/open/${this.id}; do sleep ${poll}; done`
    );
  }

  /** Requests made at or after `since` (ms since the epoch). */
  since(since: number): number {
    return this.requests.filter((r) => r.at >= since).length;
  }

  /** Lets every step still blocked go on (so nothing hangs at teardown). */
  release(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
