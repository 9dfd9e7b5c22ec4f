import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { MyProgramme } from '../api/types';
import { FormMessage } from '../components/Field';
import { certificatePath, linkClick, routes, studyPath } from '../router';
import { PHASE_LABEL, formatCode, periodText } from '../theory';

const PHASE_BADGE = { open: 'open', upcoming: 'upcoming', ended: 'closed' } as const;

/** Where a programme's page is: the theory course keeps its own address (Học lý luận). */
function pageOf(p: MyProgramme): string {
  return p.audience.kind === 'new_members' ? routes.theory : studyPath(p.course.id);
}

function ProgrammeCard({ programme: p }: { programme: MyProgramme }) {
  const period = periodText(p.audience);
  const percent = p.total_lessons > 0 ? Math.round((p.passed_lessons / p.total_lessons) * 100) : 0;
  const href = pageOf(p);
  return (
    <li class="card" data-testid="programme" data-course-id={p.course.id} data-phase={p.phase}>
      <div class="round__head">
        <h2 class="round__name">{p.course.title}</h2>
        <span class={`badge badge--${p.completed ? 'open' : PHASE_BADGE[p.phase]}`}>
          {p.completed ? 'Đã hoàn thành' : PHASE_LABEL[p.phase]}
        </span>
      </div>
      {period && (
        <p class="round__facts" data-testid="programme-period">
          {period}
        </p>
      )}
      <div
        class="progress"
        role="progressbar"
        aria-label={`Tiến độ: ${p.course.title}`}
        aria-valuemin={0}
        aria-valuemax={p.total_lessons}
        aria-valuenow={p.passed_lessons}
      >
        <div class="progress__fill" style={{ width: `${percent}%` }} />
      </div>
      <p class="progress__text" data-testid="programme-progress">
        Đã đạt {p.passed_lessons}/{p.total_lessons} bài
      </p>
      {p.certificate && (
        <p data-testid="programme-certificate">
          {p.certificate.revoked ? 'Giấy chứng nhận đã bị thu hồi: ' : 'Giấy chứng nhận: '}
          <a href={certificatePath(p.certificate.code)} onClick={linkClick(certificatePath(p.certificate.code))}>
            {formatCode(p.certificate.code)}
          </a>
        </p>
      )}
      {p.phase !== 'upcoming' && (
        <a class="button button--primary" href={href} onClick={linkClick(href)} data-testid="programme-open">
          {p.completed ? 'Xem lại' : p.passed_lessons > 0 ? 'Học tiếp' : 'Vào học'}
        </a>
      )}
    </li>
  );
}

type Load = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; items: MyProgramme[] };

/** Học tập: the study programmes that apply to me (the new members' theory course among them). */
export function StudyPage() {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [tries, setTries] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoad({ state: 'loading' });
    api
      .myProgrammes(controller.signal)
      .then((r) => setLoad({ state: 'ready', items: r.items }))
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.status === 401) return;
        setLoad({ state: 'error', message: err instanceof ApiError ? err.message : 'Không tải được chương trình học tập.' });
      });
    return () => controller.abort();
  }, [tries]);

  return (
    <main class="page" id="main">
      <p>
        <a href={routes.home} onClick={linkClick(routes.home)}>
          ‹ Trang chủ
        </a>
      </p>
      <h1>Học tập</h1>
      <p class="muted">Các chương trình học tập bạn cần hoàn thành: nghị quyết, chuyên đề, lý luận chính trị.</p>
      {load.state === 'loading' && <p class="muted">Đang tải…</p>}
      {load.state === 'error' && (
        <>
          <FormMessage kind="error">{load.message}</FormMessage>
          <button type="button" class="button" onClick={() => setTries((n) => n + 1)}>
            Thử lại
          </button>
        </>
      )}
      {load.state === 'ready' && load.items.length === 0 && (
        <p class="muted" data-testid="programmes-empty">
          Hiện chưa có chương trình học tập nào dành cho bạn.
        </p>
      )}
      {load.state === 'ready' && load.items.length > 0 && (
        <ul class="rounds" data-testid="programmes">
          {load.items.map((p) => (
            <ProgrammeCard key={p.course.id} programme={p} />
          ))}
        </ul>
      )}
    </main>
  );
}
