// Where the agent's kernel state is pinned so it outlives the daemon: one bpffs folder per build
// of the BPF objects (`<root>/<layout>/`), holding every map of the agent object (`maps/`), the
// link of every attached program (`links/`, `lsm/`). A daemon that finds its own layout there
// re-adopts it (the same programs keep deciding from the same tables); a folder of another layout
// was made by an incompatible build and is replaced when no process is watched through it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

import { openPinnedLink, openPinnedMap } from '../bridge/pinned.js';
import type { BpfLink } from '../bridge/bpf-link.js';
import type { BpfMap } from '../bridge/bpf-map.js';
import { SystemError } from '../errors.js';
import { ensureMount } from '../system/mounts.js';

/** Bumped when the folder's own layout (not the objects) changes. */
const LAYOUT_VERSION = 1;

/** The default root: /sys/fs/bpf/vigil (VIGIL_PIN_ROOT overrides it, e.g. for tests). */
export function defaultPinRoot(): string {
  return process.env.VIGIL_PIN_ROOT ?? join(ensureMount('bpf'), 'vigil');
}

/** `v1-<hash of the objects>`: two builds share pinned state only when their objects are identical. */
export function layoutId(objectPaths: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of objectPaths) if (existsSync(p)) h.update(readFileSync(p));
  return `v${LAYOUT_VERSION}-${h.digest('hex').slice(0, 16)}`;
}

export type PinnedLinkGroup = 'links' | 'lsm';

export class PinnedState {
  readonly root: string;
  readonly layout: string;
  readonly dir: string;

  constructor(root: string, layout: string) {
    this.root = root;
    this.layout = layout;
    this.dir = join(root, layout);
  }

  /** Pinned state of this layout with its links: a daemon can re-adopt it. */
  adoptable(): boolean {
    return this.#names('links').length > 0 && this.#names('maps').length > 0;
  }

  /** Folders of other layouts under the root (an older or newer build's state). */
  foreignLayouts(): string[] {
    return layoutFolders(this.root).filter((n) => n !== this.layout);
  }

  /** bpffs refuses '.' in names: `vigil.data` is pinned as `vigil_data`. */
  mapPath(name: string): string {
    return join(this.dir, 'maps', name.replace(/\./g, '_'));
  }

  hasMap(name: string): boolean {
    return existsSync(this.mapPath(name));
  }

  openMap(name: string): BpfMap {
    return openPinnedMap(this.mapPath(name));
  }

  pinMap(name: string, map: BpfMap): void {
    mkdirSync(join(this.dir, 'maps'), { recursive: true, mode: 0o700 });
    map.pin(this.mapPath(name));
  }

  pinLink(group: PinnedLinkGroup, program: string, link: BpfLink): void {
    mkdirSync(join(this.dir, group), { recursive: true, mode: 0o700 });
    link.pin(join(this.dir, group, program));
  }

  /** The pinned links of a group, by program name. */
  openLinks(group: PinnedLinkGroup): Map<string, BpfLink> {
    const out = new Map<string, BpfLink>();
    for (const name of this.#names(group)) out.set(name, openPinnedLink(join(this.dir, group, name)));
    return out;
  }

  linkNames(group: PinnedLinkGroup): string[] {
    return this.#names(group);
  }

  /**
   * Removes this layout's pins (links first: the programs detach once nothing else holds them).
   * Whatever holds an fd (this process) keeps its objects until it closes them.
   */
  remove(): void {
    removePinFolder(this.dir);
  }

  #names(sub: string): string[] {
    const d = join(this.dir, sub);
    return existsSync(d) ? readdirSync(d).sort() : [];
  }
}

/** Unpins everything under a layout folder and removes it. */
export function removePinFolder(dir: string): void {
  if (!existsSync(dir)) return;
  for (const sub of ['links', 'lsm', 'maps']) {
    const d = join(dir, sub);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) unlinkSync(join(d, f));
  }
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    throw new SystemError('VIGIL_UNPIN_FAILED', `cannot remove pinned state ${dir}: ${String(err)}`);
  }
}

/** Removes the pin root itself once nothing is left in it (a daemon's lock goes first). */
export function removeEmptyPinRoot(root: string): void {
  try {
    rmdirSync(root);
  } catch {
    // not empty (state kept for the next daemon, another daemon's lock) or already gone
  }
}

/** Processes watched through a layout folder's pinned `watched` map (0 when it has none). */
export function watchedThrough(dir: string): number {
  const path = join(dir, 'maps', 'watched');
  if (!existsSync(path)) return 0;
  const map = openPinnedMap(path);
  try {
    return [...map.keys()].length;
  } finally {
    map.close();
  }
}

export interface PinnedSummary {
  /** the layout folder */
  dir: string;
  /** processes watched (and enforced) through it */
  watched: number;
}

/** The pinned states under a root now, whoever made them (status and doctor with no daemon). */
export function pinnedStates(root = defaultPinRoot()): PinnedSummary[] {
  return layoutFolders(root).map((n) => {
    const dir = join(root, n);
    let watched = 0;
    try {
      watched = watchedThrough(dir);
    } catch {
      // being removed
    }
    return { dir, watched };
  });
}

/** The layout folders under a pin root (`v<N>-<hash>`; the lock folder and others are not). */
function layoutFolders(root: string): string[] {
  return existsSync(root) ? readdirSync(root).filter((n) => /^v\d+-/.test(n)) : [];
}

/** What a pinned state left without a daemon means, in one sentence. */
export function describeOrphanedPins(pins: readonly PinnedSummary[]): string | undefined {
  if (pins.length === 0) return undefined;
  const watched = pins.reduce((a, p) => a + p.watched, 0);
  return `no daemon reads it, but the state pinned in ${pins.map((p) => p.dir).join(', ')} still enforces ${watched} watched process(es): the hooks decide from its tables, and each session's fail-closed action applies; a new daemon (vigil daemon, or any vigil run) re-adopts it, \`vigil unload\` removes it`;
}
