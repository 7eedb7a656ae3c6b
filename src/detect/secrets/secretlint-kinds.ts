// vigil's name and severity for each message of secretlint's recommended preset (12.0.0): the
// preset's rules report a rule id and a message id; the daemon wants a stable kind. A rule added to
// the preset later and missing here still reports, as `high`, under a kind made from its message id.
import type { SecretSeverity } from './secret-finding.js';

interface KindEntry {
  readonly kind: string;
  readonly severity: SecretSeverity;
}

const PREFIX = '@secretlint/secretlint-rule-';

/** by `rule` (the id after the prefix) or, where one rule reports several kinds, `rule#messageId` */
const KINDS: Readonly<Record<string, KindEntry>> = {
  'aws#AWSAccessKeyID': { kind: 'aws_access_key_id', severity: 'high' },
  'aws#AWSSecretAccessKey': { kind: 'aws_secret_access_key', severity: 'critical' },
  gcp: { kind: 'gcp_service_account_key', severity: 'critical' },
  'npm#PackageJSON_xOauthToken': { kind: 'github_token', severity: 'high' },
  npm: { kind: 'npm_token', severity: 'high' },
  'slack#IncomingWebhook': { kind: 'slack_webhook', severity: 'medium' },
  slack: { kind: 'slack_token', severity: 'high' },
  basicauth: { kind: 'basic_auth_url', severity: 'high' },
  openai: { kind: 'openai_api_key', severity: 'high' },
  anthropic: { kind: 'anthropic_api_key', severity: 'high' },
  groq: { kind: 'groq_api_key', severity: 'high' },
  huggingface: { kind: 'huggingface_token', severity: 'high' },
  linear: { kind: 'linear_api_key', severity: 'high' },
  notion: { kind: 'notion_token', severity: 'high' },
  privatekey: { kind: 'private_key', severity: 'critical' },
  sendgrid: { kind: 'sendgrid_api_key', severity: 'high' },
  shopify: { kind: 'shopify_token', severity: 'high' },
  github: { kind: 'github_token', severity: 'high' },
  gitlab: { kind: 'gitlab_token', severity: 'high' },
  grafana: { kind: 'grafana_token', severity: 'high' },
  '1password': { kind: 'onepassword_service_account_token', severity: 'critical' },
  'database-connection-string': { kind: 'database_url_password', severity: 'high' },
  'hashicorp-vault': { kind: 'vault_token', severity: 'critical' },
  vercel: { kind: 'vercel_token', severity: 'high' },
  databricks: { kind: 'databricks_token', severity: 'high' },
  docker: { kind: 'docker_token', severity: 'high' },
  figma: { kind: 'figma_token', severity: 'high' },
};

/** The kind and severity of one secretlint message. */
export function secretlintKind(ruleId: string, messageId: string): KindEntry {
  const rule = ruleId.startsWith(PREFIX) ? ruleId.slice(PREFIX.length) : ruleId;
  return (
    KINDS[`${rule}#${messageId}`] ??
    KINDS[rule] ?? {
      kind: messageId
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .replace(/[^A-Za-z0-9]+/g, '_')
        .toLowerCase(),
      severity: 'high',
    }
  );
}
