import { api } from '../../api';

/**
 * Downloads an export with the session and saves it under the server's file name (the
 * server names files by contest, round and date). An `<a download>` on the API address would
 * not carry the bearer token.
 */
export async function downloadFile(path: string, query?: Record<string, string | number | undefined | null>): Promise<string> {
  const { blob, filename } = await api.download(path, { query });
  const url = URL.createObjectURL(blob);
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    a.rel = 'noopener';
    document.body.appendChild(a);
    a.click();
    a.remove();
  } finally {
    // Give the browser a moment to start the download before the URL goes.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return filename;
}

/** A FormData with one file under `field` (the server's multipart forms call it `file`). */
export function fileForm(file: File, field = 'file'): FormData {
  const form = new FormData();
  form.append(field, file, file.name);
  return form;
}
