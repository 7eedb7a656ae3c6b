// What a credential scan reports. A finding names the secret's kind, the rule that found it and
// where it is, and carries only a masked form of it: the raw secret is never copied into a finding,
// so a finding can be logged, sent to the UI or written to the audit trail as it is.

/**
 * How much a leaked secret of this kind gives away, on its own:
 * - `critical`: broad or lasting control (a private key, a cloud secret key, a secret store's token,
 *   a live payment key);
 * - `high`: access to one service or account (an API token, a password in a connection string) or
 *   cardholder data;
 * - `medium`: a narrow or usually short-lived capability (a webhook, a JWT, a payment test-mode key)
 *   or a value recognised only by the name of the variable that holds it;
 * - `low`: a value the provider publishes in its documentation as an example, which grants nothing
 *   (reported so that a test of the detector with those values shows up, ranked below real leaks).
 */
export type SecretSeverity = 'low' | 'medium' | 'high' | 'critical';

export interface SecretFinding {
  /**
   * Stable snake_case name of the secret's kind: aws_access_key_id, aws_secret_access_key,
   * github_token, gitlab_token, slack_token, slack_webhook, private_key, jwt, database_url_password,
   * basic_auth_url, credit_card, openai_api_key, anthropic_api_key, stripe_secret_key, npm_token,
   * generic_secret_env, ...
   */
  kind: string;
  /** the rule that found it: a secretlint rule's id ('@secretlint/secretlint-rule-aws') or 'vigil/…' */
  rule: string;
  severity: SecretSeverity;
  /** the secret as maskSecret shows it: never the raw value */
  masked: string;
  /** UTF-16 offsets into the scanned text, end exclusive (JavaScript string indices) */
  start: number;
  end: number;
}

/** A finding before masking: where a rule matched, inside this folder only. */
export type SecretMatch = Omit<SecretFinding, 'masked'>;
