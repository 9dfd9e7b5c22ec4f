import { api } from '../api';

/** The attempt of mine running in a round, when a start said one is (without naming it). */
export async function findRunning(roundId: string): Promise<string | null> {
  try {
    const page = await api.myAttempts({ round_id: roundId });
    return page.items.find((a) => a.status === 'open')?.id ?? null;
  } catch {
    return null;
  }
}
