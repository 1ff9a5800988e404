import type { PDFDocumentProxy } from 'pdfjs-dist';

let worker: Worker | null = null;

/**
 * Opens a PDF with Mozilla's PDF.js, loaded only when a PDF is first shown. Its worker is bundled
 * by Vite (`?worker`) and served from the app's own origin, so the CSP's script-src 'self' (which
 * workers fall back to) allows it and nothing is loaded from anywhere else. PDF.js 6 uses no eval
 * or `new Function` at all (the old `isEvalSupported` switch is gone), so no 'unsafe-eval' is
 * needed. Options keep it from reaching out: no WebAssembly decoders (they would need
 * 'wasm-unsafe-eval' and a fetch), no standard-font or CMap downloads (fonts a PDF does not embed
 * fall back to system fonts), no XFA forms, no scripting.
 */
export async function openPdf(
  data: Uint8Array<ArrayBuffer>,
): Promise<{ doc: PDFDocumentProxy; close: () => Promise<void> }> {
  const [pdfjs, { default: PdfWorker }] = await Promise.all([
    import('pdfjs-dist'),
    import('pdfjs-dist/build/pdf.worker.min.mjs?worker'),
  ]);
  worker ??= new PdfWorker();
  if (!pdfjs.GlobalWorkerOptions.workerPort) pdfjs.GlobalWorkerOptions.workerPort = worker;
  const task = pdfjs.getDocument({
    data,
    useWasm: false,
    useWorkerFetch: false,
    enableXfa: false,
    stopAtErrors: false,
    // Large embedded images are a way to exhaust memory; 64 megapixels is more than any scan.
    maxImageSize: 64 * 1024 * 1024,
  });
  return { doc: await task.promise, close: () => task.destroy() };
}
