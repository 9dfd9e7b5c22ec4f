import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import type { Contest, Round } from '../../api/types';
import { linkClick } from '../../router';
import { ProblemMessage } from '../kit/ProblemMessage';
import { formatVietnam } from '../kit/vnTime';
import { consolePath } from '../paths';
import { roundStateLabel } from './format';

type Load = { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ready'; items: Array<{ contest: Contest; rounds: Round[] }> };

/**
 * /quan-ly/vong-thi without a round: the rounds of the contests the person organises, to open
 * one (the contests section links each round here too).
 */
export function RoundPicker() {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [retry, setRetry] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    (async () => {
      const contests = (await api.contests(signal)).items.filter((c) => c.can_manage && c.kind !== 'theory_test');
      const rounds = await Promise.all(contests.map((c) => api.rounds(c.id, signal)));
      return contests.map((contest, i) => ({ contest, rounds: rounds[i]!.items.filter((r) => !r.practice) }));
    })().then(
      (items) => setLoad({ state: 'ready', items }),
      (error: unknown) => !signal.aborted && setLoad({ state: 'error', error }),
    );
    return () => controller.abort();
  }, [retry]);

  return (
    <>
      <h1>Theo dõi và công bố kết quả</h1>
      {load.state === 'loading' && <p class="muted">Đang tải…</p>}
      {load.state === 'error' && <ProblemMessage error={load.error} onRetry={() => setRetry((n) => n + 1)} />}
      {load.state === 'ready' && load.items.length === 0 && <p>Bạn chưa tổ chức cuộc thi nào.</p>}
      {load.state === 'ready' &&
        load.items.map(({ contest, rounds }) => (
          <section key={contest.id} class="card round-picker">
            <h2>{contest.title}</h2>
            {rounds.length === 0 ? (
              <p class="muted">Chưa có vòng thi.</p>
            ) : (
              <ul class="round-picker__list">
                {rounds.map((r) => {
                  const href = consolePath('vong-thi', r.id);
                  return (
                    <li key={r.id}>
                      <a href={href} onClick={linkClick(href)}>
                        {r.name}
                      </a>{' '}
                      <span class="muted">
                        – {roundStateLabel(r.state, false)}, {formatVietnam(r.opens_at)} – {formatVietnam(r.closes_at)}
                      </span>
                    </li>
                  );
                })}
              </ul>
            )}
          </section>
        ))}
    </>
  );
}
