import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../../api';
import type { components } from '../../api/schema';
import { isUploadedMaterial, materialKind } from '../../theory';
import { fileForm } from '../kit/files';
import { fieldErrorsOf, messageOf } from '../kit/ProblemMessage';

export type Material = components['schemas']['Material'];
type MaterialFile = components['schemas']['MaterialFileResponse'];

/** Most materials in a lesson (the server's limit). */
const MAX_MATERIALS = 20;

function uploadError(e: unknown): string {
  const status = (e as { status?: number }).status;
  if (status === 415) return 'Chỉ nhận tệp PDF hoặc ảnh PNG, JPEG, WebP (đuôi tệp phải khớp nội dung).';
  if (status === 413) return 'Tệp lớn hơn 20 MB. Hãy nén hoặc tách tệp rồi tải lại.';
  return fieldErrorsOf(e).file ?? messageOf(e);
}

/** A file's name without its extension: the title an uploaded material starts with. */
function titleOf(file: File): string {
  const dot = file.name.lastIndexOf('.');
  return (dot > 0 ? file.name.slice(0, dot) : file.name).replace(/[_-]+/g, ' ').trim().slice(0, 300);
}

/**
 * A lesson's study materials (Tài liệu học tập): each a title and either a link or a file
 * uploaded here (PDF or a picture, kept by the server). `err` shows the server's error for a
 * field under `at` (e.g. `/lessons/0/materials/1/url`).
 */
export function MaterialsEditor({
  materials,
  onChange,
  idPrefix,
  at,
  err,
}: {
  materials: Material[];
  onChange: (materials: Material[]) => void;
  idPrefix: string;
  at: string;
  err: (pointer: string) => JSX.Element | null | undefined | '' | false;
}) {
  const [uploading, setUploading] = useState(false);
  const [uploadFailure, setUploadFailure] = useState<string | null>(null);
  const set = (i: number, patch: Partial<Material>) => onChange(materials.map((m, j) => (j === i ? { ...m, ...patch } : m)));
  const full = materials.length >= MAX_MATERIALS;

  async function upload(file: File | undefined) {
    if (!file) return;
    setUploading(true);
    setUploadFailure(null);
    try {
      const stored = await api.upload<MaterialFile>('/materials', fileForm(file));
      onChange([...materials, { title: titleOf(file) || 'Tài liệu', url: stored.url }]);
    } catch (e) {
      setUploadFailure(uploadError(e));
    } finally {
      setUploading(false);
    }
  }

  return (
    <div class="materials" data-testid="materials-editor">
      <p class="materials__title">Tài liệu học tập</p>
      {err(`${at}/materials`)}
      {materials.length === 0 && <p class="hint">Chưa có tài liệu. Thêm liên kết hoặc tải lên tệp PDF, ảnh.</p>}
      <ol class="materials__list">
        {materials.map((m, i) => {
          const uploaded = isUploadedMaterial(m.url);
          return (
            <li class="materials__item" key={i} data-testid="material">
              <div class="field">
                <label for={`${idPrefix}-title-${i}`}>
                  Tài liệu {i + 1} ({materialKind(m.url)}): tên hiển thị
                </label>
                <input type="text" id={`${idPrefix}-title-${i}`} value={m.title} maxLength={300} onInput={(e) => set(i, { title: (e.target as HTMLInputElement).value })} />
                {err(`${at}/materials/${i}/title`)}
              </div>
              {uploaded ? (
                <p class="materials__file">
                  Tệp đã tải lên ·{' '}
                  <a href={m.url} target="_blank" rel="noopener noreferrer">
                    Xem tệp
                  </a>
                </p>
              ) : (
                <div class="field">
                  <label for={`${idPrefix}-url-${i}`}>Địa chỉ liên kết (https://…)</label>
                  <input type="url" id={`${idPrefix}-url-${i}`} value={m.url} inputMode="url" placeholder="https://" onInput={(e) => set(i, { url: (e.target as HTMLInputElement).value })} />
                </div>
              )}
              {err(`${at}/materials/${i}/url`)}
              <button type="button" class="button button--small button--ghost" onClick={() => onChange(materials.filter((_, j) => j !== i))}>
                Bỏ tài liệu {i + 1}
              </button>
            </li>
          );
        })}
      </ol>
      {!full && (
        <div class="materials__actions">
          <button type="button" class="button button--small" onClick={() => onChange([...materials, { title: '', url: '' }])}>
            Thêm liên kết
          </button>
          <label class="button button--small" for={`${idPrefix}-file`} aria-busy={uploading}>
            {uploading ? 'Đang tải lên…' : 'Tải tệp lên (PDF, ảnh)'}
          </label>
          <input
            id={`${idPrefix}-file`}
            type="file"
            class="visually-hidden"
            accept=".pdf,application/pdf,image/png,image/jpeg,image/webp"
            aria-label="Tải tệp tài liệu lên (PDF hoặc ảnh, tối đa 20 MB)"
            disabled={uploading}
            onChange={async (e) => {
              const input = e.target as HTMLInputElement;
              await upload(input.files?.[0]);
              input.value = '';
            }}
          />
        </div>
      )}
      {uploadFailure && (
        <p class="field-error" role="alert">
          {uploadFailure}
        </p>
      )}
    </div>
  );
}
