/**
 * The channel a held helper (scripts.ts heldScript) reports to and asks: `ready` once the caches
 * are in place, `wait` until it is told to extract or stop, `list/<mount>` for the restored file
 * lists. On the docker bridge, under a random path.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { listenOn } from './listen.js';
import type { HelperControlUrls } from './scripts.js';

export interface ControlServer {
  urls: HelperControlUrls;
  /** Resolves when the held helper reports the caches in place. */
  ready: Promise<void>;
  /** The answer to the held helper's wait; until it is given the helper keeps asking. */
  release(answer: 'extract' | 'stop'): void;
  /** The restored file lists the held helper fetches when told to extract. */
  setLists(lists: (name: string) => string): void;
  /** Answers a helper still waiting with `stop`, then stops listening. */
  close(): Promise<void>;
}

/** A held helper asking what to do gets `wait` after this long, and asks again (curl gives up on a silent connection after 15 s). */
const WAIT_ANSWER_MS = 10_000;

const text = (res: ServerResponse, body: string): void => void res.writeHead(200, { 'content-type': 'text/plain' }).end(body);

/** The answers of the channel: one `wait` held open at most WAIT_ANSWER_MS. */
class Answers {
  answer: 'extract' | 'stop' | undefined;
  lists = (_name: string): string => '';
  private readonly waiting = new Set<(body: string) => void>();

  wait(res: ServerResponse): void {
    if (this.answer) return text(res, this.answer);
    const end = (body: string): void => {
      clearTimeout(timer);
      this.waiting.delete(end);
      text(res, body);
    };
    const timer = setTimeout(() => end('wait'), WAIT_ANSWER_MS);
    this.waiting.add(end);
  }

  release(answer: 'extract' | 'stop'): void {
    this.answer = answer;
    this.endAll(answer);
  }

  endAll(body: string): void {
    for (const end of [...this.waiting]) end(body);
  }
}

/** Undefined when it cannot listen on `host`. */
export async function serveControl(host: string): Promise<ControlServer | undefined> {
  const token = randomUUID();
  let markReady = (): void => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const answers = new Answers();
  const listening = await listenOn(host, (req, res) => {
    const path = req.url ?? '';
    if (req.method !== 'GET') res.writeHead(404).end();
    else if (path === `/${token}/ready`) {
      markReady();
      text(res, 'ok');
    } else if (path === `/${token}/wait`) answers.wait(res);
    else if (path.startsWith(`/${token}/list/`)) text(res, answers.lists(path.slice(`/${token}/list/`.length)));
    else res.writeHead(404).end();
  });
  if (!listening) return undefined;
  const base = `${listening.base}/${token}`;
  return {
    urls: { ready: `${base}/ready`, wait: `${base}/wait`, list: (name) => `${base}/list/${name}` },
    ready,
    release: (answer) => answers.release(answer),
    setLists: (lists) => (answers.lists = lists),
    close: async () => {
      answers.endAll('stop');
      await listening.close();
    },
  };
}
