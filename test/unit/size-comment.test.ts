import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS_BOT, octokitCommentApi, upsertComment, type CommentApi, type IssueComment } from '../../src/size/comment.js';
import { FakeGitHub } from '../support/fake-github.js';

/** An in-memory issue with pages of 100, counting what the upsert touched. */
class MemoryApi implements CommentApi {
  store: IssueComment[] = [];
  pagesRead = 0;
  updated: number[] = [];
  created = 0;
  constructor(private readonly me: string) {}
  async identity(): Promise<string> {
    return this.me;
  }
  async *comments(_issue: number): AsyncIterable<IssueComment[]> {
    for (let i = 0; i < this.store.length; i += 100) {
      this.pagesRead++;
      yield this.store.slice(i, i + 100);
    }
  }
  async create(_issue: number, body: string): Promise<IssueComment> {
    this.created++;
    const c = { id: 10_000 + this.created, body, author: this.me, url: `u/${10_000 + this.created}` };
    this.store.push(c);
    return c;
  }
  async update(id: number, body: string): Promise<IssueComment> {
    const c = this.store.find((x) => x.id === id)!;
    if (c.author.toLowerCase() !== this.me.toLowerCase()) throw new Error('touched another author');
    c.body = body;
    this.updated.push(id);
    return c;
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
    expect(api.pagesRead).toBe(3);
  });

  it('updates its own comment on page 3, not the look-alike by another bot, not another image\'s', async () => {
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
    expect((await upsertComment(api, 7, MARKER, 'new')).action).toBe('updated');
  });

  it('does not take a comment by the same author without the marker', async () => {
    const api = new MemoryApi(ACTIONS_BOT);
    api.store.push({ id: 1, body: 'Thanks for the PR!', author: ACTIONS_BOT, url: 'u/1' });
    expect((await upsertComment(api, 7, MARKER, 'new')).action).toBe('created');
    expect(api.store[0]!.body).toBe('Thanks for the PR!');
  });
});

describe('octokitCommentApi against the fake GitHub API on loopback', () => {
  const token = 'ghs_unit_token_0123456789';
  const installation = new FakeGitHub({ token });
  const user = new FakeGitHub({
    token,
    userLogin: 'release-bot',
    pullsForCommit: { c0ffee: [{ number: 7, state: 'open' }, { number: 5, state: 'closed' }, { number: 9, state: 'open' }] },
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
    expect(user.requests.filter((r) => r.path.includes('/pulls')).map((r) => r.path)).toEqual(['/repos/octo-org/hello/commits/c0ffee/pulls', '/repos/octo-org/hello/commits/deadbeef/pulls']);
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
    expect(listing.map((r) => r.path)).toEqual([
      '/repos/octo-org/hello/issues/3/comments?per_page=100',
      '/repos/octo-org/hello/issues/3/comments?per_page=100&page=2',
      '/repos/octo-org/hello/issues/3/comments?per_page=100&page=3',
    ]);
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
      await expect(upsertComment(api, 1, MARKER, 'x')).rejects.toMatchObject({ status: 403 });
    } finally {
      await ro.stop();
    }
  });
});
