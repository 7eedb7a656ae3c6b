// What vigil.yaml's keys are when left out, written as the file would write them: the schema
// publishes them (its `default` annotations), the normaliser applies them, docs/config.md quotes them.

export const DEFAULT_SPOOL_DIR = '/var/lib/vigil/spool';

/** Keys of every exporter. */
export const EXPORTER_DEFAULTS = {
  timeout: '10s',
  spool: { max_bytes: '256MiB', max_age: '7d' },
  batch: { max_lines: 500, max_delay: '200ms' },
  retry: { initial: '500ms', max: '30s' },
  min_severity: 'info',
} as const;

export const SYSLOG_DEFAULTS = {
  protocol: 'tcp',
  /** over tcp and tls; udp sends one message per datagram */
  framing: 'octet-counting',
  facility: 'local0',
  app_name: 'vigil',
} as const;

export const WEBHOOK_DEFAULTS = { format: 'json' } as const;
