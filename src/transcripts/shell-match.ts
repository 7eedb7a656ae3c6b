// Does an exec's argv carry a shell tool call's command? The agents never exec the command as it
// was logged; each wraps it (seen with strace, argv shapes in test/fixtures/transcripts/*):
//  - Claude Code 2.1.332: /bin/bash -c "source <snapshot> ... && eval '<command>' < /dev/null &&
//    pwd -P >| /tmp/claude-XXXX-cwd", the command single-quoted ('  as  '"'"' );
//  - Codex 0.171.0: /proc/self/exe --codex-run-as-process-setup ... /bin/bash -c "<snapshot
//    overrides> exec '/bin/bash' -c '<command>'" ('  as  '"'"' ), then in the same process
//    /bin/bash -c "<snapshot overrides>..." and /bin/bash -c <command> as it was logged;
//  - Gemini CLI 0.61.0: /usr/bin/bash -c "shopt -u ...; ( trap ... EXIT\n<command>\n) ..." with
//    the command as it was logged.
// So a command is carried when an argv element holds it, as logged or quoted one of these ways,
// between word boundaries (`ls` is not carried by `false`); or when the argv is the command's
// own words (an agent that execs a simple command directly).

/** How a command may appear inside a wrapping script. */
function encodings(command: string): string[] {
  const out = [command];
  if (command.includes("'")) {
    out.push(command.replaceAll("'", `'"'"'`), command.replaceAll("'", `'\\''`));
  }
  if (/["\\$`]/.test(command)) out.push(command.replace(/["\\$`]/g, (c) => `\\${c}`));
  return out;
}

/** Characters a command may touch where it sits in a wrapping script. */
const BOUNDARY = /[\s'"`;&|()<>{}=]/;

function heldIn(haystack: string, needle: string): boolean {
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + 1)) {
    const before = i === 0 ? ' ' : (haystack[i - 1] ?? ' ');
    const after = i + needle.length >= haystack.length ? ' ' : (haystack[i + needle.length] ?? ' ');
    if (BOUNDARY.test(before) && BOUNDARY.test(after)) return true;
  }
  return false;
}

/** How strongly the exec's argv carries the command (see above): the command's length, else 0. */
export function argvCarries(argv: readonly string[], command: string): number {
  const cmd = command.trim();
  if (cmd === '' || argv.length === 0) return 0;
  if (argv.join(' ') === cmd) return cmd.length;
  for (const form of encodings(cmd)) {
    for (const arg of argv) if (heldIn(arg, form)) return cmd.length;
  }
  return 0;
}
