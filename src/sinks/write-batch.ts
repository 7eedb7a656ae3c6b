// Lines made in one go (the events of one ring-buffer batch) reach each writer as one write
// instead of one per line. Inside writeBatch(fn), a writer that is written to queues the line
// and joins the batch; when fn returns, every writer that joined writes its queue at once
// (and fsyncs, when a queued line needs it, before writeBatch returns). Outside a batch,
// writers write each line as it comes.

/** A writer that can hold lines until the batch ends. */
export interface BatchMember {
  /** Writes what it queued during the batch; throws as its write() would. */
  endBatch(): void;
}

const batch = { depth: 0, members: new Set<BatchMember>() };

/** Whether a batch is open (writers queue instead of writing). */
export function inWriteBatch(): boolean {
  return batch.depth > 0;
}

/** Called by a writer that queued a line: it is flushed when the batch ends. */
export function joinWriteBatch(member: BatchMember): void {
  batch.members.add(member);
}

/**
 * Runs fn with writes batched; nested calls join the outer batch. Every member is flushed
 * even when one fails; the first failure is thrown afterwards.
 */
export function writeBatch<T>(fn: () => T): T {
  batch.depth++;
  try {
    return fn();
  } finally {
    batch.depth--;
    if (batch.depth === 0) endBatch();
  }
}

function endBatch(): void {
  const failure: { err?: unknown } = {};
  for (const m of batch.members) {
    try {
      m.endBatch();
    } catch (err) {
      if (!('err' in failure)) failure.err = err;
    }
  }
  batch.members.clear();
  if ('err' in failure) throw failure.err;
}
