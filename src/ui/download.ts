/** Saves bytes as a file through a temporary blob: URL (nothing leaves the machine). */
export function downloadBytes(
  bytes: Uint8Array | string,
  filename: string,
  type = 'application/octet-stream',
): void {
  const blob = new Blob([bytes as BlobPart], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
