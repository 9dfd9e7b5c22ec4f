/**
 * What the result page and a certificate put on a shared card. Small and in the first download;
 * the drawing and sharing (`card.ts`) load on the first tap.
 */
import { api } from '../api';
import type { Attempt, CertificateVerification, MyPlace, ResultView } from '../api/types';
import { formatDuration, formatVietnamTime } from '../attempt/clock';
import { loadMe } from '../session';
import { formatCode, formatDateVi } from '../theory';
import type { CardModule, Shared } from '../components/ShareButton';

/** Shares the result of `attempt`, with my place when I have one. */
export async function shareResult(
  m: CardModule,
  attempt: Attempt,
  result: ResultView,
  place: MyPlace | null,
): Promise<Shared> {
  const [me, mine] = await Promise.all([
    loadMe().catch(() => null),
    api.myAttempts({ round_id: attempt.round_id }).catch(() => null),
  ]);
  const row = mine?.items?.find((a) => a.id === attempt.id);
  const facts: [string, string][] = [];
  if (result.correct_count !== null && result.correct_count !== undefined)
    facts.push(['Số câu đúng', `${result.correct_count}/${attempt.questions.length}`]);
  facts.push(['Thời gian làm bài', formatDuration(result.time_used_ms)]);
  if (place?.ranked && place.entry) facts.push(['Xếp hạng', `${place.entry.rank}/${place.total}`]);
  if (attempt.theory) facts.push(['Kết quả', attempt.theory.passed ? 'Đạt' : 'Chưa đạt']);
  const headline =
    result.score === null || result.score === undefined
      ? 'Đã hoàn thành'
      : `${result.score}${result.max_score !== null && result.max_score !== undefined ? `/${result.max_score}` : ''} điểm`;
  const title = row?.round_name ?? 'Kết quả bài thi';
  return m.shareCard(
    {
      kicker: row?.contest_title ?? 'Cuộc thi trực tuyến',
      title,
      name: me?.full_name ?? '',
      unit: me?.unit?.name,
      headline,
      facts,
      foot: `Nộp bài lúc ${formatVietnamTime(result.finished_at)}`,
    },
    `ket-qua-${attempt.id.slice(0, 8)}.png`,
    title,
    `Kết quả của tôi: ${headline}`,
  );
}

/** Shares a certificate as an image. */
export function shareCertificate(m: CardModule, cert: CertificateVerification): Promise<Shared> {
  return m.shareCard(
    {
      kicker: 'Giấy chứng nhận học lý luận chính trị',
      title: cert.course.title,
      name: cert.holder,
      unit: cert.unit_name,
      headline: 'Hoàn thành',
      facts: [['Ngày hoàn thành', formatDateVi(cert.issued_at)]],
      foot: `Mã xác minh: ${formatCode(cert.code)}`,
    },
    `chung-nhan-${cert.code}.png`,
    'Giấy chứng nhận học lý luận chính trị',
    `Tôi đã hoàn thành chương trình ${cert.course.title}.`,
  );
}
