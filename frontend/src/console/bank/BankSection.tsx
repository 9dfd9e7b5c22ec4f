import { useEffect, useState } from 'preact/hooks';
import type { SectionProps } from '../sections';
import { ProblemMessage } from '../kit/ProblemMessage';
import { getQuestion, type Question } from './api';
import { ImportPage } from './ImportPage';
import { QuestionDetail } from './QuestionDetail';
import { QuestionForm } from './QuestionForm';
import { QuestionList } from './QuestionList';
import './bank.css';

/**
 * "Ngân hàng câu hỏi" (/quan-ly/ngan-hang): the list; `moi` adds a question; `nhap` imports a
 * file; `<id>` shows one; `<id>/sua` edits it.
 */
export default function BankSection({ rest, scope }: SectionProps) {
  const [first, second] = rest;
  if (!first) return <QuestionList />;
  if (first === 'moi') return <QuestionForm scope={scope} />;
  if (first === 'nhap') return <ImportPage scope={scope} />;
  if (second === 'sua') return <EditQuestion id={first} scope={scope} />;
  return <QuestionDetail id={first} />;
}

/** Loads the question, then opens the form on it (the draft key names its version). */
function EditQuestion({ id, scope }: { id: string; scope: SectionProps['scope'] }) {
  const [q, setQ] = useState<Question | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const ctl = new AbortController();
    getQuestion(id, ctl.signal).then(setQ, (e) => !ctl.signal.aborted && setError(e));
    return () => ctl.abort();
  }, [id]);
  if (error) return <ProblemMessage error={error} />;
  if (!q) return <p class="muted">Đang tải câu hỏi…</p>;
  return <QuestionForm scope={scope} question={q} />;
}
