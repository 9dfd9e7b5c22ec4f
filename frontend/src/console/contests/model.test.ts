import { describe, expect, it } from 'vitest';
import { contestBody, newContestForm, newRoundForm, newUnitPrizes, reviewChoices, roundBody, roundFormOf, unitBasisText, type Round } from './model';

// 2026-12-04 17:30 UTC = 00:30 on 05/12 in Vietnam.
const NOW = Date.UTC(2026, 11, 4, 17, 30);

describe('a round of each kind of contest', () => {
  it('gives a ranked round a week from tomorrow, a prediction question and a review after the close', () => {
    const f = newRoundForm(NOW);
    expect([f.opensAt, f.closesAt]).toEqual(['2026-12-06T08:00', '2026-12-12T20:00']);
    expect(f.prediction).toBe('all_correct');
    expect(f.review).toBe('after_close');
  });

  it('gives a theory test a year from today, unlimited attempts, the key after each attempt, no prediction and an hour\'s wait', () => {
    const f = newRoundForm(NOW, 'theory_test');
    expect([f.opensAt, f.closesAt]).toEqual(['2026-12-05T00:00', '2027-12-05T23:59']);
    expect(f.attemptsAllowed).toBe('');
    expect(f.review).toBe('after_each_attempt');
    expect(f.prediction).toBe('');
    expect(f.retryWaitMinutes).toBe(60);
    expect(newRoundForm(NOW, 'practice').retryWaitMinutes).toBe(0);
  });

  it('offers the key after each attempt only where nothing is ranked', () => {
    expect(reviewChoices('contest', false)).not.toContain('after_each_attempt');
    expect(reviewChoices('contest', true)[0]).toBe('after_each_attempt');
    expect(reviewChoices('theory_test', false)[0]).toBe('after_each_attempt');
    expect(reviewChoices('practice', false)[0]).toBe('after_each_attempt');
  });

  it('sends what a theory test\'s round tests, and no prediction, whatever the form holds', () => {
    const f = { ...newRoundForm(NOW, 'theory_test'), theoryTarget: 'lesson:L1', theoryPassMark: ' 70 ', retryWaitMinutes: 30, prediction: 'all_correct' as const };
    const body = roundBody(f, 'theory_test');
    expect(body.theory).toEqual({ lesson_id: 'L1', course_id: null, pass_mark: 70, retry_wait_minutes: 30 });
    expect(body.prediction).toBeNull();
    expect(body.practice).toBe(false);
    const combined = roundBody({ ...f, theoryTarget: 'course:C1', theoryPassMark: '' }, 'theory_test');
    expect(combined.theory).toEqual({ lesson_id: null, course_id: 'C1', pass_mark: null, retry_wait_minutes: 30 });
    expect(roundBody(newRoundForm(NOW), 'contest').theory).toBeNull();
    expect(roundBody(newRoundForm(NOW), 'contest').prediction).toBe('all_correct');
  });

  it('reads a saved theory test back into the form', () => {
    const round = {
      ...roundBody(newRoundForm(NOW, 'theory_test'), 'theory_test'),
      id: 'R',
      contest_id: 'C',
      pool: { quotas: [{ topic: 'theory.lesson1', difficulty: null, count: 4 }] },
      points_per_question: 1,
      state: 'open',
      server_time: '2026-12-04T17:30:00Z',
      theory: { course_id: 'C1', lesson_id: null, pass_mark: 80, retry_wait_minutes: 15 },
    } as unknown as Round;
    const f = roundFormOf(round);
    expect([f.theoryTarget, f.theoryPassMark, f.retryWaitMinutes]).toEqual(['course:C1', '80', 15]);
  });
});

describe('prizes', () => {
  it('sends the round, overall and unit prizes of a contest, dropping blank levels', () => {
    const f = {
      ...newContestForm('U'),
      roundPrizes: [
        { name: ' Giải Nhất ', count: 1 },
        { name: '', count: 0 },
      ],
      overallPrizes: [{ name: 'Giải Nhất chung cuộc', count: 1 }],
      onePerPerson: true,
      unitPrizes: { ...newUnitPrizes(), basis: 'weighted' as const, pointsPerPrize: 10 },
    };
    const prizes = contestBody(f).prizes!;
    expect(prizes.round).toEqual([{ name: 'Giải Nhất', count: 1 }]);
    expect(prizes.overall).toEqual([{ name: 'Giải Nhất chung cuộc', count: 1 }]);
    expect(prizes.one_per_person).toBe(true);
    expect(prizes.units).toMatchObject({ basis: 'weighted', points_per_prize: 10 });
    expect(prizes.units!.tiers).toHaveLength(3);
    // Points per prize count only on the weighted basis.
    expect(contestBody({ ...f, unitPrizes: { ...f.unitPrizes, basis: 'rate' } }).prizes!.units!.points_per_prize).toBe(0);
  });

  it('awards nothing and shows no board in a theory test or a practice contest', () => {
    for (const kind of ['theory_test', 'practice'] as const) {
      const body = contestBody({ ...newContestForm('U'), kind, overallPrizes: [{ name: 'X', count: 1 }] });
      expect(body.prizes).toEqual({ round: [], overall: [], one_per_person: false, units: null });
      expect(body.leaderboard_visibility).toBe('organizers');
    }
  });

  it('says how units are ranked in a few words', () => {
    expect(unitBasisText('participants', 0)).toBe('xếp theo số người dự thi');
    expect(unitBasisText('rate', 5)).toBe('xếp theo tỷ lệ tham gia');
    expect(unitBasisText('weighted', 10)).toBe('xếp theo tỷ lệ tham gia (%) cộng 10 điểm cho mỗi giải cá nhân');
  });
});
