import { imageUrl, letter, type Kind } from './labels';

/** What the preview needs: a question being written or a stored one. */
export interface PreviewQuestion {
  kind: Kind;
  text: string;
  image?: string | null;
  options: Array<{ text: string; correct?: boolean | null; image?: string | null }>;
  explanation?: string | null;
  source?: { title: string; url?: string | null } | null;
}

/**
 * "Đoàn viên sẽ thấy": the question with the member screens' own classes (`question`,
 * `option`), so the organizer sees the same layout; below it, what the member sees after the
 * round (the key marked, the explanation, the source).
 */
export function QuestionPreview({ q, showKey = true }: { q: PreviewQuestion; showKey?: boolean }) {
  const multiple = q.kind === 'multiple';
  const options = q.options.filter((o) => o.text.trim() || o.image);
  return (
    <div class="bank-preview" data-testid="question-preview">
      <div class="question">
        <p class="question__text">
          <span class="question__num">Câu 1/10</span>
          {q.text.trim() || <span class="muted">(Nội dung câu hỏi)</span>}
        </p>
        {q.image && <img class="question__image" src={imageUrl(q.image)} alt="Hình minh họa của câu hỏi" />}
        <p class="hint">{multiple ? 'Chọn một hoặc nhiều đáp án đúng.' : 'Chọn một đáp án.'}</p>
        <div class="options">
          {options.map((o, i) => (
            <div class={`option${showKey && o.correct ? ' option--key' : ''}`} key={i}>
              <span class="option__letter" aria-hidden="true">
                {letter(i)}
              </span>
              <span class="option__text">
                {o.text}
                {o.image && <img class="option__image" src={imageUrl(o.image)} alt={`Hình của phương án ${letter(i)}`} />}
              </span>
              {showKey && o.correct && <span class="bank-preview__key">✓ Đáp án đúng</span>}
            </div>
          ))}
          {options.length === 0 && <p class="muted">(Chưa có phương án)</p>}
        </div>
      </div>
      {showKey && (q.explanation || q.source) && (
        <div class="bank-preview__after">
          <p class="bank-preview__label">Sau khi thi, đoàn viên xem:</p>
          {q.explanation && <p>{q.explanation}</p>}
          {q.source && (
            <p class="muted">
              Nguồn:{' '}
              {q.source.url ? (
                <a href={q.source.url} target="_blank" rel="noopener noreferrer">
                  {q.source.title}
                </a>
              ) : (
                q.source.title
              )}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
