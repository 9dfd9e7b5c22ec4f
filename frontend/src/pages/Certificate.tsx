import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { CertificateVerification } from '../api/types';
import { FormMessage } from '../components/Field';
import { ShareButton } from '../components/ShareButton';
import { shareCertificate } from '../share/content';
import { formatCode, formatDateVi } from '../theory';

type Load =
  | { state: 'loading' }
  | { state: 'unknown' }
  | { state: 'error'; message: string }
  | { state: 'ready'; cert: CertificateVerification };

/** A certificate's public page: what it certifies, for whom, whether it is in force, its QR code. */
export function CertificatePage({ code }: { code: string }) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    api
      .certificate(code, controller.signal)
      .then((cert) => setLoad({ state: 'ready', cert }))
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.status === 404) return setLoad({ state: 'unknown' });
        setLoad({ state: 'error', message: err instanceof ApiError ? err.message : 'Không kiểm tra được mã.' });
      });
    return () => controller.abort();
  }, [code]);

  return (
    <main class="page" id="main">
      <section class="card certificate" data-testid="certificate">
        <h1>Giấy chứng nhận học lý luận chính trị</h1>
        <p>
          Mã: <strong data-testid="certificate-code">{formatCode(code)}</strong>
        </p>
        {load.state === 'loading' && <p class="muted">Đang kiểm tra…</p>}
        {load.state === 'unknown' && (
          <FormMessage kind="error">Không có giấy chứng nhận nào mang mã này.</FormMessage>
        )}
        {load.state === 'error' && <FormMessage kind="error">{load.message}</FormMessage>}
        {load.state === 'ready' && (
          <>
            {load.cert.valid ? (
              <p class="badge badge--open" data-testid="certificate-status">
                Hợp lệ
              </p>
            ) : (
              <p class="badge badge--closed" data-testid="certificate-status">
                Đã bị thu hồi{load.cert.revoked_at ? ` ngày ${formatDateVi(load.cert.revoked_at)}` : ''}
              </p>
            )}
            <dl class="profile__facts">
              <div>
                <dt>Đoàn viên</dt>
                <dd data-testid="certificate-holder">{load.cert.holder}</dd>
              </div>
              <div>
                <dt>Đơn vị</dt>
                <dd>{load.cert.unit_name}</dd>
              </div>
              <div>
                <dt>Chương trình</dt>
                <dd>
                  {load.cert.course.title} (phiên bản {load.cert.course.version})
                </dd>
              </div>
              <div>
                <dt>Hoàn thành ngày</dt>
                <dd>{formatDateVi(load.cert.issued_at)}</dd>
              </div>
            </dl>
            <img
              class="certificate__qr"
              src={`/api/v1/certificates/${encodeURIComponent(load.cert.code)}/qr.svg`}
              alt={`Mã QR của giấy chứng nhận ${formatCode(load.cert.code)}`}
              width={200}
              height={200}
            />
            <button type="button" class="button" onClick={() => window.print()}>
              In giấy chứng nhận
            </button>
            {load.cert.valid && (
              <ShareButton label="Chia sẻ giấy chứng nhận" share={(m) => shareCertificate(m, load.cert)} />
            )}
          </>
        )}
      </section>
    </main>
  );
}
