// An attached program. Destroying an unpinned link detaches it; a pinned link stays attached
// until it is unpinned (or detached explicitly), which is how enforcement outlives a crash.
import type { NativeLink, NativeLinkInfo } from './native-binding.js';

export class BpfLink {
  readonly program: string;
  readonly #native: NativeLink;
  #pinPath: string | undefined;
  #destroyed = false;

  constructor(program: string, link: NativeLink) {
    this.program = program;
    this.#native = link;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  get pinPath(): string | undefined {
    return this.#pinPath;
  }

  info(): NativeLinkInfo {
    return this.#native.info();
  }

  pin(path: string): void {
    this.#native.pin(path);
    this.#pinPath = path;
  }

  unpin(): void {
    this.#native.unpin();
    this.#pinPath = undefined;
  }

  /** Detaches the program from its hook now, pinned or not. */
  detach(): void {
    this.#native.detach();
  }

  /** Releases this handle; the program stays attached only if the link is pinned. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#native.destroy();
    this.#destroyed = true;
  }
}
