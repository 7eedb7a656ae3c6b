// What one agent's scan collects: its files (each read once, in the order found) and reasons,
// with the document of each settings file that parsed. The agents' modules fill one each.
import { jsonDoc, tomlDoc, type ConfigDoc } from './config-doc.js';
import type { CommandContext } from './commands.js';
import { hookReasons, type HookEvents } from './hooks.js';
import type { Layer, Setting } from './layers.js';
import { readPostureFile, type ReadFile } from './posture-file.js';
import { reason, type ReasonCode } from './rubric.js';
import type { PostureAgent, PostureFile, PostureReason, PostureScope } from './types.js';

/** Where to look: the home, the project (null: none), and the system folder (/etc; null: none). */
export interface ScanPlace extends CommandContext {
  etc: string | null;
}

export class AgentScan {
  readonly files: PostureFile[] = [];
  readonly reasons: PostureReason[] = [];
  /** the inode of each file read (the watcher tells a rename-over from an edit by it) */
  readonly inodes = new Map<string, number>();
  /** files the agent itself rewrites all the time (Claude Code's ~/.claude.json): the watcher
   * reports their changes only when the posture changed */
  readonly volatile = new Set<string>();
  readonly #read = new Map<string, ReadFile>();

  constructor(
    readonly agent: PostureAgent,
    readonly place: ScanPlace,
  ) {}

  read(path: string, scope: PostureScope, role: PostureFile['role']): ReadFile {
    const known = this.#read.get(path);
    if (known !== undefined) return known;
    const r = readPostureFile(path, this.agent, scope, role);
    this.#read.set(path, r);
    this.files.push(r.file);
    if (r.stat !== null && r.file.state === 'ok') this.inodes.set(path, r.stat.ino);
    return r;
  }

  /** A settings file as a document; null when it is missing, unreadable or malformed (the
   * file's state and error say which). */
  doc(
    path: string,
    scope: PostureScope,
    role: PostureFile['role'],
    kind: 'json' | 'toml' = 'json',
  ): ConfigDoc | null {
    const r = this.read(path, scope, role);
    if (r.text === null) return null;
    const parsed = kind === 'json' ? jsonDoc(r.text) : tomlDoc(r.text);
    if ('error' in parsed) {
      r.file.state = 'malformed';
      r.file.error = parsed.error;
      return null;
    }
    return parsed;
  }

  add(...reasons: PostureReason[]): void {
    this.reasons.push(...reasons);
  }

  /** A reason a layered setting gives: named by the file that set it, with its line as snippet. */
  addSetting(code: ReasonCode, setting: Setting, detail: string): void {
    this.add(reason(code, this.agent, setting.layer?.file ?? null, detail, setting.line));
  }

  /** The reasons the hooks of one settings file give (under its `hooks` key). */
  addHooks(l: Layer, events: HookEvents): void {
    this.add(
      ...hookReasons({
        agent: this.agent,
        file: l.file,
        scope: l.scope,
        doc: l.doc,
        path: ['hooks'],
        events,
        ctx: this.place,
        readScript: this.readScript,
      }),
    );
  }

  /** A hook script: read as a file of the posture. */
  readonly readScript = (path: string, scope: PostureScope): ReadFile =>
    this.read(path, scope, 'hook_script');
}
