// Packages with a known bad history, kept by hand: releases published by an attacker who took over
// a maintainer's account, sabotage by the maintainer (protestware), and names registered only to
// carry malware. Each entry says what happened and where it was reported. `versions` lists the bad
// releases; without it every release of the name is bad.
import type { Ecosystem } from './install-command.js';

export interface RiskyEntry {
  ecosystem: Ecosystem;
  name: string;
  /** the bad releases; undefined: the name itself is malicious */
  versions?: readonly string[];
  /** compare versions by prefix (Debian revisions: 5.6.1 matches 5.6.1-1) */
  prefix?: boolean;
  kind: 'compromised' | 'protestware' | 'malicious';
  detail: string;
}

export const RISKY: readonly RiskyEntry[] = [
  // npm
  {
    ecosystem: 'npm',
    name: 'event-stream',
    versions: ['3.3.6'],
    kind: 'compromised',
    detail: 'depended on flatmap-stream, which stole Copay wallets (Nov 2018, GHSA-mh6f-8j2x-4483)',
  },
  {
    ecosystem: 'npm',
    name: 'flatmap-stream',
    kind: 'malicious',
    detail: 'the payload of the event-stream attack (Nov 2018, GHSA-mh6f-8j2x-4483)',
  },
  {
    ecosystem: 'npm',
    name: 'ua-parser-js',
    versions: ['0.7.29', '0.8.0', '1.0.0'],
    kind: 'compromised',
    detail: 'hijacked account published a cryptominer and password stealer (Oct 2021, GHSA-pjwm-rvh2-c87w)',
  },
  {
    ecosystem: 'npm',
    name: 'coa',
    versions: ['2.0.3', '2.0.4', '2.1.1', '2.1.3', '3.0.1', '3.1.3'],
    kind: 'compromised',
    detail: 'hijacked account published a password stealer (Nov 2021)',
  },
  {
    ecosystem: 'npm',
    name: 'rc',
    versions: ['1.2.9', '1.3.9', '2.3.9'],
    kind: 'compromised',
    detail: 'hijacked account published a password stealer (Nov 2021)',
  },
  {
    ecosystem: 'npm',
    name: 'colors',
    versions: ['1.4.1', '1.4.2', '1.4.44-liberty-2'],
    kind: 'protestware',
    detail: 'its maintainer added an endless loop printing garbage (Jan 2022)',
  },
  {
    ecosystem: 'npm',
    name: 'faker',
    versions: ['6.6.6'],
    kind: 'protestware',
    detail: 'its maintainer replaced the code with a protest (Jan 2022)',
  },
  {
    ecosystem: 'npm',
    name: 'node-ipc',
    versions: ['10.1.1', '10.1.2'],
    kind: 'protestware',
    detail: 'overwrote files on machines with Russian or Belarusian IP addresses (Mar 2022, CVE-2022-23812)',
  },
  {
    ecosystem: 'npm',
    name: 'node-ipc',
    versions: ['9.2.2', '10.1.3', '11.0.0', '11.1.0'],
    kind: 'protestware',
    detail: 'pulled in peacenotwar, which writes a protest file to the desktop (Mar 2022)',
  },
  {
    ecosystem: 'npm',
    name: 'peacenotwar',
    kind: 'protestware',
    detail: "node-ipc's protest module: writes files to the user's desktop (Mar 2022)",
  },
  {
    ecosystem: 'npm',
    name: 'eslint-scope',
    versions: ['3.7.2'],
    kind: 'compromised',
    detail: "hijacked account published a release that sent the user's npm token away (Jul 2018)",
  },
  {
    ecosystem: 'npm',
    name: 'eslint-config-eslint',
    versions: ['5.0.2'],
    kind: 'compromised',
    detail: 'published with the eslint-scope attack (Jul 2018)',
  },
  ...[
    ['chalk', '5.6.1'],
    ['debug', '4.4.2'],
    ['ansi-styles', '6.2.2'],
    ['strip-ansi', '7.1.1'],
    ['ansi-regex', '6.2.1'],
    ['supports-color', '10.2.1'],
    ['wrap-ansi', '9.0.1'],
    ['color-convert', '3.1.1'],
    ['color-name', '2.0.1'],
    ['is-arrayish', '0.3.3'],
    ['slice-ansi', '7.1.1'],
    ['error-ex', '1.3.3'],
    ['simple-swizzle', '0.2.3'],
    ['has-ansi', '6.0.1'],
    ['chalk-template', '1.1.1'],
    ['supports-hyperlinks', '4.1.1'],
    ['color-string', '2.1.1'],
    ['backslash', '0.2.1'],
  ].map(([name, version]): RiskyEntry => ({
    ecosystem: 'npm',
    name: name as string,
    versions: [version as string],
    kind: 'compromised',
    detail: "a phished maintainer's account published a crypto-wallet stealer (Sep 2025)",
  })),
  {
    ecosystem: 'npm',
    name: 'nx',
    versions: ['20.9.0', '20.10.0', '20.11.0', '20.12.0', '21.5.0', '21.6.0', '21.7.0', '21.8.0'],
    kind: 'compromised',
    detail:
      'published from a stolen token; stole secrets through local AI coding CLIs (Aug 2025, "s1ngularity")',
  },
  {
    ecosystem: 'npm',
    name: '@solana/web3.js',
    versions: ['1.95.6', '1.95.7'],
    kind: 'compromised',
    detail: 'hijacked publish access added a private-key stealer (Dec 2024)',
  },
  {
    ecosystem: 'npm',
    name: '@ctrl/tinycolor',
    versions: ['4.1.1', '4.1.2'],
    kind: 'compromised',
    detail: 'infected by the self-spreading "Shai-Hulud" worm (Sep 2025)',
  },
  {
    ecosystem: 'npm',
    name: '@lottiefiles/lottie-player',
    versions: ['2.0.5', '2.0.6', '2.0.7'],
    kind: 'compromised',
    detail: 'a leaked token published a wallet drainer (Oct 2024)',
  },
  {
    ecosystem: 'npm',
    name: '@ledgerhq/connect-kit',
    versions: ['1.1.5', '1.1.6', '1.1.7'],
    kind: 'compromised',
    detail: "a phished former employee's account published a wallet drainer (Dec 2023)",
  },
  // PyPI
  {
    ecosystem: 'pypi',
    name: 'ctx',
    kind: 'malicious',
    detail:
      'taken over through an expired maintainer e-mail domain; releases stole AWS keys from the environment (May 2022)',
  },
  {
    ecosystem: 'pypi',
    name: 'torchtriton',
    kind: 'malicious',
    detail:
      "dependency confusion against PyTorch nightly's own torchtriton; stole SSH keys and files (Dec 2022, PyTorch advisory)",
  },
  {
    ecosystem: 'pypi',
    name: 'ultralytics',
    versions: ['8.3.41', '8.3.42', '8.3.45', '8.3.46'],
    kind: 'compromised',
    detail: 'a poisoned release workflow shipped a cryptominer (Dec 2024)',
  },
  {
    ecosystem: 'pypi',
    name: 'num2words',
    versions: ['0.5.15'],
    kind: 'compromised',
    detail: "published with a phished maintainer's token (Jul 2025)",
  },
  // crates.io
  {
    ecosystem: 'cargo',
    name: 'rustdecimal',
    kind: 'malicious',
    detail: 'typosquat of rust_decimal that dropped malware in CI (May 2022, RUSTSEC-2022-0042)',
  },
  {
    ecosystem: 'cargo',
    name: 'faster_log',
    kind: 'malicious',
    detail:
      'typosquat of fast_log that stole crypto keys from source files (Sep 2025, removed from crates.io)',
  },
  {
    ecosystem: 'cargo',
    name: 'async_println',
    kind: 'malicious',
    detail:
      'published with faster_log; stole crypto keys from source files (Sep 2025, removed from crates.io)',
  },
  // Go
  {
    ecosystem: 'go',
    name: 'github.com/boltdb-go/bolt',
    kind: 'malicious',
    detail:
      'typosquat of github.com/boltdb/bolt with a backdoor, kept served by the module proxy cache (reported Feb 2025)',
  },
  // RubyGems
  {
    ecosystem: 'rubygems',
    name: 'rest-client',
    versions: ['1.6.10', '1.6.11', '1.6.12', '1.6.13'],
    kind: 'compromised',
    detail: 'hijacked account published a backdoor (Aug 2019, CVE-2019-15224)',
  },
  {
    ecosystem: 'rubygems',
    name: 'strong_password',
    versions: ['0.0.7'],
    kind: 'compromised',
    detail: 'hijacked release with a backdoor (Jun 2019, CVE-2019-13354)',
  },
  {
    ecosystem: 'rubygems',
    name: 'bootstrap-sass',
    versions: ['3.2.0.3'],
    kind: 'compromised',
    detail: 'hijacked release with a remote-code backdoor (Mar 2019, CVE-2019-10842)',
  },
  {
    ecosystem: 'rubygems',
    name: 'atlas-client',
    kind: 'malicious',
    detail: 'typosquat of atlas_client that swapped crypto-wallet addresses (reported Apr 2020)',
  },
  // Debian
  {
    ecosystem: 'debian',
    name: 'xz-utils',
    versions: ['5.6.0', '5.6.1'],
    prefix: true,
    kind: 'compromised',
    detail: 'the liblzma backdoor aimed at sshd (Mar 2024, CVE-2024-3094)',
  },
  {
    ecosystem: 'debian',
    name: 'liblzma5',
    versions: ['5.6.0', '5.6.1'],
    prefix: true,
    kind: 'compromised',
    detail: 'the liblzma backdoor aimed at sshd (Mar 2024, CVE-2024-3094)',
  },
];
