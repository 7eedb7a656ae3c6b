// The agents' own session logs, read beside the kernel's events: where each agent writes its log
// (find-transcript.ts), reading it as it grows (transcript-tail.ts) into turns and tool calls, and
// linking those calls to kernel events (tool-call-linker.ts). docs/transcripts.md tells the formats.
export { agentOfCommand } from './agent-command.js';
export { findTranscript } from './find-transcript.js';
export { ToolCallLinker } from './tool-call-linker.js';
export { TranscriptTail } from './transcript-tail.js';
export type { KernelEventRef, ToolCall, TranscriptAgent, TranscriptUpdate } from './types.js';
