// Files in and out of the browser: a base64 download (exports, templates), a file fetched from a
// download route with the user's own credentials (bulletins, letters), a file read as base64 (imports).

import { requestHeaders } from './auth.js';
import { toast } from './dom.js';

export function downloadBase64({ base64, fileName, contentType }) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  save(new Blob([bytes], { type: contentType }), fileName);
}

function save(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Fetch a download route as the signed-in user (the same token as /graphql) and save the file;
 * the route's own Chinese error is shown when it refuses. */
export async function downloadFrom(path, fileName) {
  let response;
  try {
    response = await fetch(path, { headers: requestHeaders() });
  } catch {
    toast('无法连接服务器，请稍后重试', 'error');
    return false;
  }
  if (!response.ok) {
    let message = `下载失败（HTTP ${response.status}）`;
    try { message = (await response.json()).error?.message || message; } catch { /* not JSON */ }
    toast(message, 'error');
    return false;
  }
  save(await response.blob(), fileName);
  toast(`已下载：${fileName}`);
  return true;
}

export function readAsBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',', 2)[1] || '');
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}
