// The detect stage between the audit lines the kernel's events became and the sinks: links
// process lines to the agent's tool calls (transcript-watch.ts), writes install lines for
// package installers (install-watch.ts) and alert lines for leaked credentials
// (secret-watch.ts), and says per session what is captured (the capture matrix). It decides
// nothing the kernel decided; the one act it may take is killing a flagged installer under
// `installs: block`, which its line reports as vigil's reactive kill.
import { readlinkSync } from 'node:fs';

import type { ProcessTable } from '../enrich/process-table.js';
import type { AuditLine } from '../sinks/audit-schema.js';
import type { CaptureSummary } from './control-protocol.js';
import { InstallWatch } from './install-watch.js';
import { SecretWatch } from './secret-watch.js';
import type { Session } from './sessions.js';
import { TranscriptWatch } from './transcript-watch.js';

/** How long a session's end waits for its last scans and tool_call lines. */
const END_WAIT_MS = 3_000;

export interface InsightHooks {
  emit: (s: Session, line: AuditLine) => void;
  /** kill a session's process (a flagged installer under installs: block) */
  kill: (s: Session, pid: number) => void;
  processes: ProcessTable;
  log: (message: string) => void;
}

export class SessionInsight {
  readonly #installs = new InstallWatch();
  readonly #secrets: SecretWatch;
  readonly #transcripts: TranscriptWatch;
  readonly #hooks: InsightHooks;
  readonly #installCounts = new WeakMap<Session, number>();

  constructor(hooks: InsightHooks) {
    this.#hooks = hooks;
    this.#secrets = new SecretWatch((s, line) => {
      hooks.emit(s, line);
    }, hooks.log);
    this.#transcripts = new TranscriptWatch({
      emit: (s, line) => {
        hooks.emit(s, line);
      },
      text: (s, text, transcript, toolCall) => {
        this.#secrets.onTranscriptText(s, text, transcript, toolCall);
      },
      processes: hooks.processes,
      capture: (s) => s.captureTranscript,
    });
  }

  /** Before a line is written: the tool call it belongs to. */
  annotate(s: Session, line: AuditLine): void {
    this.#transcripts.annotate(s, line);
  }

  /** After a line was written: the lines and acts it leads to. */
  observe(s: Session, line: AuditLine): void {
    if (line.event === 'exec') {
      this.#transcripts.onExec(s, line);
      const found = this.#installs.onExec(line, s.profile.profile.installs, s.auditOnly);
      if (found !== undefined) {
        this.#installCounts.set(s, (this.#installCounts.get(s) ?? 0) + 1);
        if (found.kill) this.#hooks.kill(s, line.pid);
        this.#hooks.emit(s, found.line);
      }
      this.#secrets.onExec(s, line);
    } else if (line.event === 'file_open') {
      if (this.#secrets.workingTree(s) === null) {
        const cwd = this.#transcripts.cwdOf(s) ?? rootCwd(s);
        if (cwd !== undefined) this.#secrets.setWorkingTree(s, cwd);
      }
      this.#secrets.onFileOpen(s, line);
    }
  }

  tick(): void {
    this.#transcripts.tick();
  }

  /**
   * The session ended: its log is read to the end and its written files scanned once more.
   * Undefined when that is nothing; else resolves when their lines are out (at most END_WAIT_MS).
   */
  sessionEnded(s: Session): Promise<void> | undefined {
    const transcript = this.#transcripts.sessionEnded(s);
    const files = this.#secrets.sessionEnded(s);
    if (!transcript && !files && !this.#secrets.busy() && !this.#transcripts.busy()) return undefined;
    return this.#settled();
  }

  async #settled(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, END_WAIT_MS);
      timer.unref();
    });
    await Promise.race([Promise.all([this.#transcripts.settled(), this.#secrets.settled()]), late]);
    clearTimeout(timer);
  }

  /** What is captured for the session, and why not where something is not. */
  capture(s: Session): CaptureSummary {
    const t = this.#transcripts.capture(s);
    const c = this.#secrets.counts(s);
    return {
      kernel: true,
      transcript:
        t === undefined
          ? {
              agent: null,
              found: false,
              path: null,
              reason:
                'no agent vigil reads the log of (Claude Code, Codex, Gemini CLI) was executed in the session',
              toolCalls: 0,
              linkedLines: 0,
            }
          : {
              agent: t.agent,
              found: t.path !== null,
              path: t.path,
              reason: t.reason,
              toolCalls: t.toolCalls,
              linkedLines: t.linkedLines,
            },
      detectors: {
        installs: { policy: s.profile.profile.installs, commands: this.#installCounts.get(s) ?? 0 },
        secrets: {
          argv: c.argv,
          environ: c.environ,
          environUnread: c.environUnread,
          files: c.file,
          transcript: c.transcript,
          skipped: this.#secrets.dropped(s) + c.filesSkipped,
          workingTree: this.#secrets.workingTree(s),
        },
      },
      captureTranscript: s.captureTranscript,
    };
  }
}

/** The working directory of the session's root (run: the directory vigil run was started in). */
function rootCwd(s: Session): string | undefined {
  if (s.rootPid === null) return undefined;
  try {
    return readlinkSync(`/proc/${s.rootPid}/cwd`);
  } catch {
    return undefined;
  }
}
