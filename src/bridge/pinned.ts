// Reopening maps and links pinned under a bpffs folder, e.g. by a daemon that died.
import { BpfLink } from './bpf-link.js';
import { BpfMap } from './bpf-map.js';
import { native } from './native-binding.js';

export function openPinnedMap(path: string): BpfMap {
  return new BpfMap('', native().openPinnedMap(path));
}

export function openPinnedLink(path: string): BpfLink {
  return new BpfLink(path, native().openPinnedLink(path));
}
