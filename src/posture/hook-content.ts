// What a hook's command or script does, read from its text: destructive commands (rm -rf, a
// download piped to a shell, chmod 777, disk wipes, data sent out), a pre-tool gate that never
// closes (nothing but `exit 0`), and one that answers "allow" without ever blocking. A heuristic
// over the words, line by line: it names what it saw and where, and decides nothing.

export interface Finding {
  /** what kind of destructive command */
  kind: string;
  /** the line it is on */
  line: string;
}

/** Flags of an rm call that make it recursive and forced. */
function rmRecursiveForced(line: string): boolean {
  for (const m of line.matchAll(/(?:^|[\s;&|(`$])rm((?:\s+-{1,2}[A-Za-z-]+)+)/g)) {
    const flags = (m[1] ?? '').trim().split(/\s+/);
    const short = flags.filter((f) => /^-[A-Za-z]+$/.test(f)).join('');
    const recursive = /[rR]/.test(short) || flags.includes('--recursive');
    const forced = short.includes('f') || flags.includes('--force');
    if (recursive && forced) return true;
  }
  return false;
}

const PATTERNS: { kind: string; test: (line: string) => boolean }[] = [
  { kind: 'rm -rf', test: rmRecursiveForced },
  {
    kind: 'a download piped to a shell',
    test: (l) =>
      /\b(curl|wget|fetch)\b[^|;&\n]*\|\s*(sudo\s+)?(env\s+)?(ba|da|z|k)?sh\b/.test(l) ||
      /\b(curl|wget)\b[^|;&\n]*\|\s*(sudo\s+)?(python3?|perl|ruby|node)\b/.test(l) ||
      /\b(ba|z)?sh\s+(-c\s+)?["']?\$\(\s*(curl|wget)\b/.test(l) ||
      /\b(ba|z)?sh\s+<\(\s*(curl|wget)\b/.test(l),
  },
  {
    kind: 'chmod 777',
    test: (l) => /\bchmod\s+(-[A-Za-z]+\s+)*(0?777|a\+rwx|ugo\+rwx|o\+w|a\+w)\b/.test(l),
  },
  {
    kind: 'a disk wipe',
    test: (l) =>
      /\bmkfs(\.\w+)?\s/.test(l) ||
      /\bdd\b[^\n]*\bof=\/dev\/(sd|hd|vd|xvd|nvme|mmcblk)/.test(l) ||
      />\s*\/dev\/(sd|hd|vd|nvme)[a-z0-9]*\b/.test(l),
  },
  {
    kind: 'data sent out (network exfiltration)',
    test: (l) =>
      /\bcurl\b[^\n]*\s(-d|--data(-binary|-raw|-urlencode)?|-F|--form|-T|--upload-file)[\s=]/.test(l) ||
      /\bwget\b[^\n]*--post-(data|file)/.test(l) ||
      /\/dev\/(tcp|udp)\//.test(l) ||
      /\b(nc|ncat|netcat|socat)\s+(-[A-Za-z0-9]+\s+)*[\w.:-]+\s+\d{1,5}\b/.test(l) ||
      /\bscp\s+[^\n]*\s[\w.-]+@?[\w.-]+:/.test(l),
  },
];

/** The lines of a script without its shebang, comments and blank lines. */
function codeLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Each kind of destructive command found, with the first line it is on. */
export function destructiveFindings(text: string): Finding[] {
  const out: Finding[] = [];
  for (const p of PATTERNS) {
    const line = codeLines(text).find((l) => p.test(l));
    if (line !== undefined) out.push({ kind: p.kind, line });
  }
  return out;
}

/** A script or command that does nothing but succeed: `exit 0`, `true`, `:` (or nothing). */
export function alwaysSucceeds(text: string): boolean {
  const body = codeLines(text)
    .flatMap((l) => l.split(/\s*(?:;|&&)\s*/))
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return body.every((l) => /^(exit(\s+0)?|true|:|\/bin\/true|\/usr\/bin\/true)$/.test(l));
}

/** It can refuse: exit 2, a deny/block decision, or any exit status but 0. */
function canBlock(text: string): boolean {
  return (
    /\bexit\s+([1-9]\d*|"?\$)/.test(text) ||
    /"(permissionDecision|decision|behavior)"\s*:\s*"(deny|block|ask)"/.test(text) ||
    /\b(deny|block)\b/i.test(text.replace(/"(permissionDecision|decision|behavior)"\s*:\s*"allow"/g, ''))
  );
}

/** Its output approves the call (Claude Code, Codex, Gemini CLI decisions) and it never refuses. */
export function approvesEverything(text: string): boolean {
  const approves =
    /"permissionDecision"\s*:\s*"allow"/.test(text) ||
    /"decision"\s*:\s*"(approve|allow)"/.test(text) ||
    /"behavior"\s*:\s*"allow"/.test(text);
  return approves && !canBlock(text);
}
