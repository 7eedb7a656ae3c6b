// Doctor's public face: gather the facts, apply the ladder. The CLI only parses flags and prints.
import type { DoctorFacts } from './facts.js';
import { gatherFacts } from './gather-facts.js';
import { decide, type Verdict } from './ladder.js';

export interface DoctorRun {
  facts: DoctorFacts;
  verdict: Verdict;
}

export async function runDoctor(): Promise<DoctorRun> {
  const facts = await gatherFacts();
  return { facts, verdict: decide(facts) };
}
