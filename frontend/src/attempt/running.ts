import { api } from '../api';
import type { ProblemCode } from '../api/types';

/** Refusals to start that trying again cannot change: the button goes, the reason stays. */
const FINAL_REFUSALS: ReadonlySet<string> = new Set<ProblemCode>([
  'forbidden',
  'managers_may_not_enter',
  'reads_answer_key',
  'attempts_exhausted',
]);

export function isFinalRefusal(code: string): boolean {
  return FINAL_REFUSALS.has(code);
}

/** The attempt of mine running in a round, when a start said one is (without naming it). */
export async function findRunning(roundId: string): Promise<string | null> {
  try {
    const page = await api.myAttempts({ round_id: roundId });
    return page.items.find((a) => a.status === 'open')?.id ?? null;
  } catch {
    return null;
  }
}
