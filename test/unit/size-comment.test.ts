import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS_BOT, isOwnComment, upsertComment, type CommentApi, type IssueComment } from '../../src/github/comment.js';
import { GITHUB_API_BUDGET, octokitCommentApi } from '../../src/github/api.js';
import { ServiceGuard } from '../../src/util/deadline.js';
import { FakeGitHub, type FakeGitHubOptions } from '../support/fake-github.js';

/**
 * An in-memory issue with pages of 100, counting what the upsert touched. `pause` runs before
 * every call takes effect, so several upserts at once interleave as a test's scheduler says.
 */
class MemoryApi implements CommentApi {
  store: IssueComment[] = [];
  pagesRead = 0;
  updated: number[] = [];
  removed: number[] = [];
  created = 0;
  private nextId = 10_000;
  constructor(
    private readonly me: string,
    private readonly pause: () => Promise<void> = async () => undefined,
  ) {}
  async identity(): Promise<string> {
    await this.pause();
    return this.me;
  }
  async *comments(_issue: number): AsyncIterable<IssueComment[]> {
    for (let i = 0; ; i += 100) {
      await this.pause();
      const page = this.store.slice(i, i + 100).map((c) => ({ ...c }));
      this.pagesRead++;
      yield page;
      if (i + 100 >= this.store.length) return;
    }
  }
  async create(_issue: number, body: string): Promise<IssueComment> {
    await this.pause();
    this.created++;
    const id = ++this.nextId;
    const c = { id, body, author: this.me, url: `u/${id}` };
    this.store.push(c);
    return { ...c };
  }
  async update(id: number, body: string): Promise<IssueComment> {
    await this.pause();
    const c = this.store.find((x) => x.id === id);
    if (!c) throw Object.assign(new Error('Not Found'), { status: 404 });
    if (c.author.toLowerCase() !== this.me.toLowerCase()) throw new Error('touched another author');
    c.body = body;
    this.updated.push(id);
    return { ...c };
  }
  async remove(id: number): Promise<void> {
    await this.pause();
    const at = this.store.findIndex((x) => x.id === id);
    if (at < 0) throw Object.assign(new Error('Not Found'), { status: 404 });
    if (this.store[at]!.author.toLowerCase() !== this.me.toLowerCase()) throw new Error('deleted another author');
    this.store.splice(at, 1);
    this.removed.push(id);
  }
  async pullRequest(): Promise<undefined> {
    return undefined;
  }
  async pullsForCommit(): Promise<number[]> {
    return [];
  }
}

const MARKER = '<!-- go-container-action:size image=ghcr.io%2Forg%2Fapp -->';
const OTHER_MARKER = '<!-- go-container-action:size image=ghcr.io%2Forg%2Fother -->';

function seed(api: MemoryApi, n: number, author = 'someone'): void {
  for (let i = 0; i < n; i++) api.store.push({ id: api.store.length + 1, body: `comment ${i}`, author, url: '' });
}

describe('upsertComment (in-memory API)', () => {
  it('creates the comment when there is none, after reading every page', async () => {
    const api = new MemoryApi(ACTIONS_BOT);
    seed(api, 250);
    const r = await upsertComment(api, 7, MARKER, `${MARKER}\nv1`);
    expect(r.action).toBe('created');
    // 3 pages before creating, 3 after.
    expect(api.pagesRead).toBe(6);
  });

  it("updates its own comment on page 3, not the look-alike by another bot, not another image's", async () => {
    const api = new MemoryApi(ACTIONS_BOT);
    seed(api, 120);
    api.store.push({ id: 500, body: `${MARKER}\nlook-alike`, author: 'other-bot[bot]', url: '' });
    api.store.push({ id: 501, body: `${OTHER_MARKER}\nother image`, author: ACTIONS_BOT, url: '' });
    seed(api, 90);
    api.store.push({ id: 502, body: `${MARKER}\nours`, author: ACTIONS_BOT, url: 'u/502' });
    const r = await upsertComment(api, 7, MARKER, `${MARKER}\nv2`);
    expect(r).toEqual({ action: 'updated', url: 'u/502', id: 502 });
    expect(api.updated).toEqual([502]);
    expect(api.store.find((c) => c.id === 500)!.body).toBe(`${MARKER}\nlook-alike`);
    expect(api.store.find((c) => c.id === 501)!.body).toBe(`${OTHER_MARKER}\nother image`);
    expect(api.created).toBe(0);
  });

  it('matches the identity without regard to case', async () => {
    const api = new MemoryApi('Octo-Bot');
    api.store.push({ id: 1, body: `${MARKER}\nold`, author: 'octo-bot', url: 'u/1' });
    expect((await upsertComment(api, 7, MARKER, `${MARKER}\nnew`)).action).toBe('updated');
  });

  it('does not take a comment by the same author without the marker', async () => {
    const api = new MemoryApi(ACTIONS_BOT);
    api.store.push({ id: 1, body: 'Thanks for the PR!', author: ACTIONS_BOT, url: 'u/1' });
    expect((await upsertComment(api, 7, MARKER, `${MARKER}\nnew`)).action).toBe('created');
    expect(api.store[0]!.body).toBe('Thanks for the PR!');
  });
});

describe("isOwnComment: only the exact marker at the start, by the token's identity", () => {
  it.each([
    [`${MARKER}\nbody`, ACTIONS_BOT, true],
    [MARKER, ACTIONS_BOT, true],
    [`${MARKER}\nbody`, 'GitHub-Actions[bot]', true],
    [`${MARKER}\nbody`, 'someone-else', false],
    [`Quoting: ${MARKER}\nbody`, ACTIONS_BOT, false],
    [`\n${MARKER}\nbody`, ACTIONS_BOT, false],
    [` ${MARKER}`, ACTIONS_BOT, false],
    [`${OTHER_MARKER}\n${MARKER}`, ACTIONS_BOT, false],
    [MARKER.replace('app', 'app2'), ACTIONS_BOT, false],
    [MARKER.replace(' -->', '-->'), ACTIONS_BOT, false],
    [MARKER.slice(0, -4), ACTIONS_BOT, false],
    [MARKER.toUpperCase(), ACTIONS_BOT, false],
    ['', ACTIONS_BOT, false],
  ])('%j by %s: %s', (body, author, mine) => expect(isOwnComment({ body, author }, ACTIONS_BOT, MARKER)).toBe(mine));
});

/** A seeded random scheduler: every API call waits 0 to 3 macrotask turns. */
function scheduler(seed: number): () => Promise<void> {
  let state = seed * 2654435761 + 1;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
  return async () => {
    for (let n = next() % 4; n > 0; n--) await new Promise((resolve) => setImmediate(resolve));
  };
}

describe('upsertComment with runs at once (in-memory API, interleaved)', () => {
  it('two runs that both list before either creates end with one comment, the oldest, carrying a complete body', async () => {
    let listed = 0;
    let release: () => void = () => undefined;
    const bothListed = new Promise<void>((resolve) => (release = resolve));
    const api = new MemoryApi(ACTIONS_BOT);
    const originalCreate = api.create.bind(api);
    api.create = async (issue, body) => {
      await bothListed;
      return originalCreate(issue, body);
    };
    const originalComments = api.comments.bind(api);
    api.comments = (issue) => {
      if (++listed === 2) release();
      return originalComments(issue);
    };
    const runs = await Promise.all([upsertComment(api, 7, MARKER, `${MARKER}\nrun A`), upsertComment(api, 7, MARKER, `${MARKER}\nrun B`)]);
    expect(api.created).toBe(2);
    const ours = api.store.filter((c) => isOwnComment(c, ACTIONS_BOT, MARKER));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.id).toBe(10_001);
    expect([`${MARKER}\nrun A`, `${MARKER}\nrun B`]).toContain(ours[0]!.body);
    expect(runs.map((r) => r.id)).toEqual([10_001, 10_001]);
    expect(api.removed).toEqual([10_002]);
  });

  it.each([2, 3, 5])('%i runs at once converge on one comment under 200 random interleavings, others untouched', async (n) => {
    for (let seed = 1; seed <= 200; seed++) {
      const api = new MemoryApi(ACTIONS_BOT, scheduler(seed * 31 + n));
      api.store.push({ id: 1, body: `${MARKER}\nsame marker, another author`, author: 'other-bot[bot]', url: '' });
      api.store.push({ id: 2, body: `Quoting ${MARKER} mid-body`, author: ACTIONS_BOT, url: '' });
      api.store.push({ id: 3, body: `${OTHER_MARKER}\nanother image`, author: ACTIONS_BOT, url: '' });
      const foreign = api.store.map((c) => ({ ...c }));
      const bodies = Array.from({ length: n }, (_, i) => `${MARKER}\nrun ${i} | ${'x'.repeat(50)}`);
      const results = await Promise.all(bodies.map((b) => upsertComment(api, 7, MARKER, b)));
      const ours = api.store.filter((c) => isOwnComment(c, ACTIONS_BOT, MARKER));
      expect(ours, `seed ${seed}`).toHaveLength(1);
      expect(bodies).toContain(ours[0]!.body);
      expect(new Set(results.map((r) => r.id)), `seed ${seed}`).toEqual(new Set([ours[0]!.id]));
      expect(api.store.filter((c) => c.id < 10_000)).toEqual(foreign);
    }
  });

  it('a later run after a race that left two comments deletes the newer and updates the older', async () => {
    const api = new MemoryApi(ACTIONS_BOT);
    api.store.push({ id: 40, body: `${MARKER}\n⚠️ old`, author: ACTIONS_BOT, url: 'u/40' });
    api.store.push({ id: 41, body: `${MARKER}\n✅ old`, author: ACTIONS_BOT, url: 'u/41' });
    const r = await upsertComment(api, 7, MARKER, `${MARKER}\nnew`);
    expect(r).toEqual({ action: 'updated', url: 'u/40', id: 40 });
    expect(api.store).toEqual([{ id: 40, body: `${MARKER}\nnew`, author: ACTIONS_BOT, url: 'u/40' }]);
  });

  it('a GitHub App token (it cannot ask /user: the fallback login) converges on its earlier comment by the author the create names', async () => {
    class AppApi extends MemoryApi {
      override async identity(): Promise<string> {
        return ACTIONS_BOT;
      }
    }
    const api = new AppApi('my-app[bot]');
    api.store.push({ id: 40, body: `${MARKER}\nold`, author: 'my-app[bot]', url: 'u/40' });
    api.store.push({ id: 41, body: 'a review', author: 'someone', url: 'u/41' });
    const r = await upsertComment(api, 7, MARKER, `${MARKER}\nnew`);
    expect(r).toEqual({ action: 'updated', url: 'u/40', id: 40 });
    // The run's own new comment went again; the other comment stays.
    expect(api.store.map((c) => [c.id, c.author, c.body])).toEqual([
      [40, 'my-app[bot]', `${MARKER}\nnew`],
      [41, 'someone', 'a review'],
    ]);
    expect(api.created).toBe(1);
  });

  it('refuses a body that does not start with its own marker', async () => {
    await expect(upsertComment(new MemoryApi(ACTIONS_BOT), 7, MARKER, 'no marker')).rejects.toThrow(/must start with its marker/);
  });
});

describe('octokitCommentApi against the fake GitHub API on loopback', () => {
  const token = 'ghs_unit_token_0123456789';
  const installation = new FakeGitHub({ token });
  const user = new FakeGitHub({
    token,
    userLogin: 'release-bot',
    pullsForCommit: {
      c0ffee: [
        { number: 7, state: 'open' },
        { number: 5, state: 'closed' },
        { number: 9, state: 'open' },
      ],
    },
  });
  beforeAll(async () => {
    await installation.start();
    await user.start();
  });
  afterAll(async () => {
    await installation.stop();
    await user.stop();
  });

  it('finds the open pull requests of a commit (comment: always on a push), not the closed ones', async () => {
    const api = octokitCommentApi(token, 'octo-org/hello', user.url);
    expect(await api.pullsForCommit('c0ffee')).toEqual([7, 9]);
    expect(await api.pullsForCommit('deadbeef')).toEqual([]);
    expect(user.requests.filter((r) => r.path.includes('/pulls')).map((r) => r.path)).toEqual([
      '/repos/octo-org/hello/commits/c0ffee/pulls',
      '/repos/octo-org/hello/commits/deadbeef/pulls',
    ]);
  });

  it("reads a pull request's head: its sha and repository; none for a number it does not have; garbage is an error", async () => {
    const head = 'ab12'.repeat(10);
    const github = new FakeGitHub({
      token,
      pulls: { 7: { headSha: head, headRepository: 'forker/hello' }, 8: { headSha: head, headRepository: null } },
    });
    await github.start();
    try {
      const api = octokitCommentApi(token, 'octo-org/hello', github.url);
      expect(await api.pullRequest(7)).toEqual({ number: 7, headSha: head, headRepository: 'forker/hello' });
      expect(await api.pullRequest(8)).toEqual({ number: 8, headSha: head, headRepository: null });
      expect(await api.pullRequest(9)).toBeUndefined();
      github.options.garbage = /pulls/;
      github.options.garbageBody = JSON.stringify({ number: 7, head: { sha: 'not-a-sha' } });
      await expect(api.pullRequest(7)).rejects.toThrow(/not a pull request/);
    } finally {
      await github.stop();
    }
  });

  it('an installation token cannot call /user: comments as github-actions[bot]', async () => {
    const api = octokitCommentApi(token, 'octo-org/hello', installation.url);
    expect(await api.identity()).toBe(ACTIONS_BOT);
  });

  it('a server without /user (404): comments as github-actions[bot]', async () => {
    const bare = new FakeGitHub({ token, noUserEndpoint: true });
    await bare.start();
    try {
      expect(await octokitCommentApi(token, 'octo-org/hello', bare.url).identity()).toBe(ACTIONS_BOT);
    } finally {
      await bare.stop();
    }
  });

  it('a user token is who /user says', async () => {
    const api = octokitCommentApi(token, 'octo-org/hello', user.url);
    expect(await api.identity()).toBe('release-bot');
  });

  it('pages with Link headers, 100 at a time, and upserts in place', async () => {
    for (let i = 0; i < 230; i++) user.seed(3, `dev${i % 7}`, `comment ${i}`);
    user.seed(3, 'github-actions[bot]', `${MARKER}\nlook-alike from another identity`);
    const api = octokitCommentApi(token, 'octo-org/hello', user.url);
    const first = await upsertComment(api, 3, MARKER, `${MARKER}\nfirst`);
    expect(first.action).toBe('created');
    const listing = user.requests.filter((r) => r.method === 'GET' && r.path.includes('/issues/3/comments'));
    const pages = [
      '/repos/octo-org/hello/issues/3/comments?per_page=100',
      '/repos/octo-org/hello/issues/3/comments?per_page=100&page=2',
      '/repos/octo-org/hello/issues/3/comments?per_page=100&page=3',
    ];
    // Listed before creating, and again after it (another run may have created one meanwhile).
    expect(listing.map((r) => r.path)).toEqual([...pages, ...pages]);
    const second = await upsertComment(api, 3, MARKER, `${MARKER}\nsecond`);
    expect(second).toMatchObject({ action: 'updated', id: first.id });
    const ours = user.comments.filter((c) => c.login === 'release-bot');
    expect(ours.map((c) => c.body)).toEqual([`${MARKER}\nsecond`]);
    expect(user.comments.find((c) => c.login === 'github-actions[bot]')!.body).toContain('look-alike');
    expect(second.url).toMatch(/#issuecomment-\d+$/);
  });

  it('a wrong token is refused (401), which the stage reports as a warning', async () => {
    const api = octokitCommentApi('wrong', 'octo-org/hello', user.url);
    await expect(api.identity()).rejects.toMatchObject({ status: 401 });
  });

  it('a read-only token gets 403 on create', async () => {
    const ro = new FakeGitHub({ token, readOnly: true });
    await ro.start();
    try {
      const api = octokitCommentApi(token, 'octo-org/hello', ro.url);
      await expect(upsertComment(api, 1, MARKER, `${MARKER}\nx`)).rejects.toMatchObject({ status: 403 });
    } finally {
      await ro.stop();
    }
  });
});

describe('octokitCommentApi under deadlines, against a broken fake GitHub API', () => {
  const token = 'ghs_unit_token_0123456789';
  // A short deadline only where the API never answers (the deadline is then the event waited
  // for); where it answers, a deadline 50 times its latency, so a loaded machine cannot cut it.
  const guard = (callMs: number): ServiceGuard => new ServiceGuard({ ...GITHUB_API_BUDGET, callMs, totalMs: 4 * callMs });
  const broken = async (
    options: Partial<FakeGitHubOptions>,
    work: (api: CommentApi, fake: FakeGitHub) => Promise<void>,
    callMs = 5000,
  ): Promise<void> => {
    const fake = new FakeGitHub({ token, ...options });
    await fake.start();
    try {
      await work(octokitCommentApi(token, 'octo-org/hello', fake.url, guard(callMs)), fake);
    } finally {
      await fake.stop();
    }
  };
  const listAll = async (api: CommentApi): Promise<void> => {
    for await (const _ of api.comments(1)) void _;
  };

  it('an API that accepts and never answers: the call gives up at its deadline, and later calls at once', async () => {
    await broken(
      { hang: /./ },
      async (api, fake) => {
        await expect(api.identity()).rejects.toThrow('the GitHub API (GET /user) did not answer in 300 ms');
        await expect(upsertComment(api, 1, MARKER, `${MARKER}\nx`)).rejects.toThrow('the GitHub API (GET /user) did not answer in 300 ms');
        expect(fake.requests).toHaveLength(1);
      },
      300,
    );
  });

  it.each([
    ['not JSON', /GET \/repos/, '<html>upstream hiccup', 'not a comment list'],
    ['an object', /GET \/repos/, '{"message":"ok"}', 'not a comment list'],
    ['comments without ids', /GET \/repos/, '[{"body":"x","html_url":"u"}]', 'not a comment list'],
    ['a user without a login', /GET \/user/, '{"id":1}', 'not a user'],
    ['a created comment without a url', /POST \/repos/, '{"id":5}', 'not a comment'],
  ])('a 200 with %s is a clear error, never a TypeError', async (_what, garbage, garbageBody, message) => {
    await broken({ userLogin: 'release-bot', garbage, garbageBody }, async (api) => {
      const error = await upsertComment(api, 1, MARKER, `${MARKER}\nx`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).not.toBe('TypeError');
      expect((error as Error).message).toBe(`the GitHub API answered with something that is ${message}`);
      await expect(listAll(api)).rejects.toThrow(`the GitHub API answered with something that is ${message}`);
    });
  });

  it('a slow API within its deadline is waited for', async () => {
    await broken({ latencyMs: 100 }, async (api, fake) => {
      const r = await upsertComment(api, 1, MARKER, `${MARKER}\nx`);
      expect(r.action).toBe('created');
      expect(fake.comments).toHaveLength(1);
    });
  });
});
