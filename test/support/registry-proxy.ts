/**
 * A registry proxy on loopback in front of the stack's registry: forwards every request as it
 * is, except the PUT of one chosen tag's manifest, which it refuses (HTTP 500), holds until the
 * test releases it (then drops it: the tag never moves), or never answers (a stall past a
 * deadline). `held` resolves when that PUT arrives, so a test signals while it is certainly in flight.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type TagFault = { tag: string; mode: 'refuse' | 'hold' | 'stall' };

export class RegistryProxy {
  host = '';
  /** Every request, as `METHOD path`, with the answer's status once known ('held' for one never answered). */
  readonly requests: string[] = [];
  /** When the faulty PUT arrived, in ms since the epoch. */
  heldAt = 0;
  private server: Server | undefined;
  private arrived: () => void = () => undefined;
  readonly held = new Promise<void>((resolve) => (this.arrived = resolve));
  private readonly waiting: ServerResponse[] = [];

  constructor(
    private readonly upstream: string,
    private readonly fault: TagFault,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.host;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    const faulty = req.method === 'PUT' && new RegExp(`/manifests/${this.fault.tag}$`).test(path.split('?')[0]!);
    if (faulty) {
      req.resume();
      this.heldAt ||= Date.now();
      this.arrived();
      if (this.fault.mode === 'refuse') {
        this.requests.push(`PUT ${path} 500`);
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNKNOWN","message":"refused by the test"}]}');
        return;
      }
      this.requests.push(`PUT ${path} held`);
      this.waiting.push(res);
      return;
    }
    const headers = { ...req.headers, host: this.upstream };
    const [hostname, port] = this.upstream.split(':');
    const up = request({ hostname, port: Number(port), method: req.method, path, headers }, (answer) => {
      this.requests.push(`${req.method} ${path} ${answer.statusCode}`);
      // Locations the registry gives name itself: they go through the proxy too.
      const location = answer.headers.location?.replace(`//${this.upstream}/`, `//${this.host}/`);
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...(location ? { location } : {}) });
      answer.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  }

  /** Answers a held PUT with 500 (the tag never moved). */
  release(): void {
    for (const res of this.waiting.splice(0)) if (!res.destroyed) res.writeHead(500).end();
  }

  async stop(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
