// How a message names the key it is about: `metrics.listen`, `spool.dir`, and inside an exporter
// the exporter by its name (`exporter 'siem': tls.ca`), which is how its author thinks of it.
import type { KeyPath } from './config-yaml.js';

/** The key at `path` of the document `doc`, for a message; '' for the document itself. */
export function keyName(doc: unknown, path: KeyPath): string {
  if (path[0] === 'exporters' && typeof path[1] === 'number') {
    const name = exporterName(doc, path[1]);
    const who = name === undefined ? `exporters[${path[1]}]` : `exporter '${name}'`;
    const rest = dotted(path.slice(2));
    return rest === '' ? who : `${who}: ${rest}`;
  }
  return dotted(path);
}

function dotted(path: KeyPath): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

function exporterName(doc: unknown, index: number): string | undefined {
  const list = isRecord(doc) ? doc.exporters : undefined;
  const item: unknown = Array.isArray(list) ? list[index] : undefined;
  const name = isRecord(item) ? item.name : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
