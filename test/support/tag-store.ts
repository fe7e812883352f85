/**
 * A registry's tags in memory, for tagging's unit tests: what each reference names, what was
 * asked in order, and faults by reference (a refused PUT, a refused DELETE, a PUT held until
 * the test releases it).
 */
import { createHash } from 'node:crypto';
import type { StoredManifest, TagContent, TagStore } from '../../src/release/tag-store.ts';

export function manifestOf(text: string, mediaType = 'application/vnd.oci.image.index.v1+json'): StoredManifest {
  const body = Buffer.from(text);
  return { digest: `sha256:${createHash('sha256').update(body).digest('hex')}`, mediaType, body };
}

export class MemoryTagStore implements TagStore {
  /** reference (`repo:tag`, or `repo@digest` for what was pushed) → manifest. */
  readonly refs = new Map<string, StoredManifest>();
  readonly calls: string[] = [];
  /** `repo@digest` → bytes (image configs). */
  readonly blobs = new Map<string, Buffer>();
  /** References whose PUT fails with this message. */
  readonly refusePut = new Map<string, string>();
  /** References whose DELETE fails with this message (a registry that cannot delete a tag). */
  readonly refuseDelete = new Map<string, string>();
  /** References whose PUT waits until `release()`; `held` resolves when one is waiting. */
  readonly hold = new Set<string>();
  private released: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => (this.released = resolve));
  private arrived: () => void = () => undefined;
  readonly held = new Promise<void>((resolve) => (this.arrived = resolve));

  release(): void {
    this.released();
  }

  /** Tags (and pushes by digest) with this manifest. */
  set(reference: string, manifest: StoredManifest): this {
    this.refs.set(reference, manifest);
    return this;
  }

  digestOf(reference: string): string | undefined {
    return this.refs.get(reference)?.digest;
  }

  async read(reference: string): Promise<TagContent> {
    this.calls.push(`GET ${reference}`);
    const at = reference.indexOf('@');
    if (at > 0) {
      const digest = reference.slice(at + 1);
      const found = [...this.refs.values()].find((m) => m.digest === digest);
      return found ?? 'absent';
    }
    return this.refs.get(reference) ?? 'absent';
  }

  async put(reference: string, manifest: StoredManifest, signal?: AbortSignal): Promise<void> {
    this.calls.push(`PUT ${reference} ${manifest.digest}`);
    if (this.hold.has(reference)) {
      this.arrived();
      await Promise.race([
        this.gate,
        new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true })),
      ]);
    }
    const refused = this.refusePut.get(reference);
    if (refused) throw new Error(refused);
    this.refs.set(reference, manifest);
  }

  async blob(reference: string): Promise<Buffer> {
    this.calls.push(`GET blob ${reference}`);
    const found = this.blobs.get(reference);
    if (!found) throw new Error(`blob unknown: ${reference}`);
    return found;
  }

  async remove(reference: string): Promise<void> {
    this.calls.push(`DELETE ${reference}`);
    const refused = this.refuseDelete.get(reference);
    if (refused) throw new Error(refused);
    this.refs.delete(reference);
  }
}
