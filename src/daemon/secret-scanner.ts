// The credential scanner (src/detect/secrets, secretlint's rules), loaded on first use: a daemon
// that never scans (or not yet) does not pay for loading it at its start, which matters where
// every daemon start counts (an emulated CPU, `vigil run` starting its own daemon).
type Scanner = typeof import('../detect/secrets/scan-secrets.js');

let loading: Promise<Scanner> | undefined;

export function secretScanner(): Promise<Scanner> {
  loading ??= import('../detect/secrets/scan-secrets.js');
  return loading;
}
