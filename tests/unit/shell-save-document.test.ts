import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { safeDocumentName, type FilesAnswers } from '../../shared/ipc/areas/files.js';
import { routeInvoke, type Dispatch, type IpcSender } from '../../electron/shell/ipc-bridge.js';
import {
  saveDialogOptions,
  saveDocument,
  saveExport,
  writePrivateFile,
  type SaveDialog,
} from '../../electron/shell/save-document.js';
import type { ParsedRequestOf, Result } from '../../shared/ipc/contract.js';

const page: NonNullable<IpcSender> = { url: 'app://vault/index.html', isMainFrame: true, isOurWindow: true };
const ccd = {
  suggestedName: 'Geoffrey Abbott - health summary 2026-11-21.xml',
  mimeType: 'application/xml',
  contentBase64: Buffer.from('<?xml version="1.0"?><ClinicalDocument/>').toString('base64'),
};

describe('safeDocumentName', () => {
  it.each([
    ['Geoffrey Abbott.xml', 'application/xml', 'Geoffrey Abbott.xml'],
    ['../../.ssh/authorized_keys', 'application/xml', 'authorized_keys.xml'],
    ['C:\\Windows\\System32\\evil.pdf', 'application/pdf', 'evil.pdf'],
    ['/etc/passwd', 'application/fhir+json', 'passwd.json'],
    ['..', 'application/pdf', 'health-records.pdf'],
    ['...', 'application/xml', 'health-records.xml'],
    ['a<b>c:d"e|f?g*h\u0000\u001b.xml', 'application/xml', 'a_b_c_d_e_f_g_h__.xml'],
    ['CON.xml', 'application/xml', '_CON.xml'],
    ['nul', 'application/pdf', '_nul.pdf'],
    ['  .hidden-start.json  ', 'application/fhir+json', 'hidden-start.json'],
    ['summary.XML', 'text/xml; charset=utf-8', 'summary.XML'],
    ['summary', 'application/octet-stream', 'summary'],
  ])('makes %j (%s) into %j', (suggested, mimeType, expected) => {
    expect(safeDocumentName(suggested, mimeType)).toBe(expected);
  });

  it('keeps the extension when it shortens a long name', () => {
    const name = safeDocumentName(`${'x'.repeat(300)}.pdf`, 'application/pdf');
    expect(name.length).toBe(120);
    expect(name.endsWith('.pdf')).toBe(true);
  });
});

describe('the Electron save dialog', () => {
  it('opens in Documents with the suggested name and the document’s type', () => {
    expect(saveDialogOptions(ccd, '/home/pat/Documents')).toEqual({
      title: 'Save the document for your provider',
      defaultPath: '/home/pat/Documents/Geoffrey Abbott - health summary 2026-11-21.xml',
      buttonLabel: 'Save',
      filters: [
        { name: 'C-CDA document (XML)', extensions: ['xml'] },
        { name: 'All files', extensions: ['*'] },
      ],
    });
    const pdf = saveDialogOptions(
      { ...ccd, suggestedName: '../../../etc/cron.d/x', mimeType: 'application/pdf' },
      '/home/pat/Documents',
    );
    expect(pdf.defaultPath).toBe('/home/pat/Documents/x.pdf');
    expect(pdf.filters[0]).toEqual({ name: 'PDF document', extensions: ['pdf'] });
  });

  it('offers the recovery code’s sheet as a text file, under its own title', () => {
    expect(
      saveDialogOptions(
        { ...ccd, suggestedName: 'PHR Vault recovery code', mimeType: 'text/plain' },
        '/home/pat/Documents',
      ),
    ).toEqual({
      title: 'Save your recovery code',
      defaultPath: '/home/pat/Documents/PHR Vault recovery code.txt',
      buttonLabel: 'Save',
      filters: [
        { name: 'Text', extensions: ['txt'] },
        { name: 'All files', extensions: ['*'] },
      ],
    });
  });

  it('writes the bytes where the person chose, under the name they gave', async () => {
    const write = vi.fn(async () => undefined);
    const showSaveDialog = vi.fn<SaveDialog>(async () => ({
      canceled: false,
      filePath: '/home/pat/Desktop/for Dr Okafor.xml',
    }));
    const answer = await saveDocument(ccd, { documentsFolder: '/home/pat/Documents', showSaveDialog, write });
    expect(answer).toEqual({ saved: true, fileName: 'for Dr Okafor.xml' });
    expect(write).toHaveBeenCalledExactlyOnceWith(
      '/home/pat/Desktop/for Dr Okafor.xml',
      Buffer.from(ccd.contentBase64, 'base64'),
    );
  });

  it('writes nothing when the person cancels', async () => {
    const write = vi.fn(async () => undefined);
    const answer = await saveDocument(ccd, {
      documentsFolder: '/d',
      showSaveDialog: async () => ({ canceled: true, filePath: '' }),
      write,
    });
    expect(answer).toEqual({ saved: false, fileName: null });
    expect(write).not.toHaveBeenCalled();
  });

  describe('an export', () => {
    const asked = { personId: 2, format: 'ccda' as const, from: '2010' };
    const written = {
      format: 'ccda',
      records: 41,
      sections: [{ key: 'problems', title: 'Problems', entries: 3 }],
      issues: [],
      groups: [],
      fileName: 'for Dr Okafor.xml',
      bytes: 20_480,
    };
    const core = (toFile: Result<unknown> = { ok: true, value: written }) =>
      vi.fn(async (channel: string, _request: unknown) =>
        channel === 'export.suggestion'
          ? ({
              ok: true,
              value: { fileName: 'Geoffrey-Abbott-ccd-2026-12-06.xml', mediaType: 'application/xml' },
            } as const)
          : toFile,
      );

    it('opens the dialog on the name the core gives, and has the core write to the path chosen', async () => {
      const dispatch = core();
      const showSaveDialog = vi.fn<SaveDialog>(async () => ({
        canceled: false,
        filePath: '/home/pat/Desktop/for Dr Okafor.xml',
      }));
      const answer = await saveExport(asked, {
        documentsFolder: '/home/pat/Documents',
        showSaveDialog,
        dispatch,
      });
      expect(showSaveDialog).toHaveBeenCalledExactlyOnceWith(
        expect.objectContaining({
          defaultPath: '/home/pat/Documents/Geoffrey-Abbott-ccd-2026-12-06.xml',
          filters: [
            { name: 'C-CDA document (XML)', extensions: ['xml'] },
            { name: 'All files', extensions: ['*'] },
          ],
        }),
      );
      expect(dispatch.mock.calls).toEqual([
        ['export.suggestion', asked],
        ['export.toFile', { ...asked, path: '/home/pat/Desktop/for Dr Okafor.xml' }],
      ]);
      // Name, size and what the document holds: never its bytes.
      expect(answer).toEqual({ saved: true, ...written });
    });

    it('makes and writes nothing when the person cancels', async () => {
      const dispatch = core();
      const answer = await saveExport(asked, {
        documentsFolder: '/d',
        showSaveDialog: async () => ({ canceled: true, filePath: '' }),
        dispatch,
      });
      expect(answer).toEqual({ saved: false });
      expect(dispatch.mock.calls.map(([channel]) => channel)).toEqual(['export.suggestion']);
    });

    it('hands the core’s refusal on to the page as it is', async () => {
      const refusal = { kind: 'empty-selection', message: 'There is nothing to export' } as const;
      const dispatch = core({ ok: false, error: refusal });
      const files = {
        ...answersFor(),
        'files.saveExport': (request: ParsedRequestOf<'files.saveExport'>) =>
          saveExport(request, {
            documentsFolder: '/d',
            showSaveDialog: async () => ({ canceled: false, filePath: '/d/x.xml' }),
            dispatch,
          }),
      };
      const result = await routeInvoke(page, 'files.saveExport', asked, vi.fn<Dispatch>(), files);
      expect(result).toEqual({ ok: false, error: refusal });
    });

    it('refuses a page that names a path, before any dialog', async () => {
      const dispatch = core();
      const files = { ...answersFor(), 'files.saveExport': vi.fn(async () => ({ saved: false }) as const) };
      const result = await routeInvoke(
        page,
        'files.saveExport',
        { ...asked, path: '/etc/cron.d/x' },
        dispatch,
        files,
      );
      expect(result).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
      expect(files['files.saveExport']).not.toHaveBeenCalled();
      expect(dispatch).not.toHaveBeenCalled();
    });
  });

  describe('writePrivateFile', () => {
    let dir = '';
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it.skipIf(process.platform === 'win32')(
      'leaves the file readable by its owner only, even when replacing one',
      async () => {
        dir = mkdtempSync(join(tmpdir(), 'phr-vault-save-'));
        const path = join(dir, 'summary.xml');
        writeFileSync(path, 'old', { mode: 0o644 });
        await writePrivateFile(path, Buffer.from('<?xml?>'));
        expect(readFileSync(path, 'utf8')).toBe('<?xml?>');
        expect(statSync(path).mode & 0o777).toBe(0o600);
        expect(readdirSync(dir)).toEqual(['summary.xml']);
      },
    );

    it.skipIf(process.platform === 'win32')(
      'writes through neither a loose .partial file nor a link, at the target or beside it',
      async () => {
        dir = mkdtempSync(join(tmpdir(), 'phr-vault-save-'));
        const path = join(dir, 'summary.xml');
        const elsewhere = join(dir, 'elsewhere.txt');
        writeFileSync(elsewhere, 'not yours to change', { mode: 0o644 });
        // What a previous writer's name for the temporary file would have met: another user's
        // world-writable file, and a link to a file the person never chose.
        writeFileSync(`${path}.partial`, '', { mode: 0o666 });
        chmodSync(`${path}.partial`, 0o666);
        symlinkSync(elsewhere, path);
        await writePrivateFile(path, Buffer.from('<?xml?>'));
        expect(lstatSync(path).isSymbolicLink()).toBe(false);
        expect(readFileSync(path, 'utf8')).toBe('<?xml?>');
        expect(statSync(path).mode & 0o777).toBe(0o600);
        expect(readFileSync(elsewhere, 'utf8')).toBe('not yours to change');
        expect(readFileSync(`${path}.partial`, 'utf8')).toBe('');
        expect(readdirSync(dir).sort()).toEqual(['elsewhere.txt', 'summary.xml', 'summary.xml.partial']);

        rmSync(`${path}.partial`);
        symlinkSync(elsewhere, `${path}.partial`);
        await writePrivateFile(path, Buffer.from('<?xml version="1.0"?>'));
        expect(readFileSync(path, 'utf8')).toBe('<?xml version="1.0"?>');
        expect(readFileSync(elsewhere, 'utf8')).toBe('not yours to change');
      },
    );
  });
});

function answersFor(): FilesAnswers {
  const never = () => Promise.reject(new Error('not this one'));
  return {
    'files.saveDocument': never,
    'files.saveExport': never,
    'files.chooseBackupFolder': never,
    'files.chooseBackupFile': never,
    'files.chooseImportFiles': never,
    'files.dropImportFiles': never,
  };
}

describe('routeInvoke and the files channels', () => {
  const neverCore = () => vi.fn<Dispatch>(async () => ({ ok: true, value: null }));
  const answers = (save = vi.fn(async () => ({ saved: true, fileName: 'x.xml' }))) =>
    ({
      save,
      files: {
        'files.saveDocument': save,
        'files.saveExport': async () => ({ saved: false }) as const,
        'files.chooseBackupFolder': async () => ({ chosen: false }),
        'files.chooseBackupFile': async () => ({ chosen: false }),
        'files.chooseImportFiles': async () => ({ files: [] }),
        'files.dropImportFiles': async () => ({ files: [] }),
      } satisfies FilesAnswers,
    }) as const;

  it('answers files.saveDocument in the shell, never in the core', async () => {
    const core = neverCore();
    const { save, files } = answers();
    const result = await routeInvoke(page, 'files.saveDocument', ccd, core, files);
    expect(result).toEqual({ ok: true, value: { saved: true, fileName: 'x.xml' } });
    expect(save).toHaveBeenCalledExactlyOnceWith(ccd);
    expect(core).not.toHaveBeenCalled();
  });

  it('checks the sender first', async () => {
    const { save, files } = answers();
    const result = await routeInvoke(
      { ...page, isMainFrame: false },
      'files.saveDocument',
      ccd,
      neverCore(),
      files,
    );
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    expect(save).not.toHaveBeenCalled();
  });

  it('refuses a request that is not the contract’s, without showing a dialog', async () => {
    const { save, files } = answers();
    for (const bad of [
      { ...ccd, path: '/etc/passwd' },
      { ...ccd, contentBase64: 'not base64!' },
      { ...ccd, suggestedName: '' },
      null,
    ]) {
      const result = await routeInvoke(page, 'files.saveDocument', bad, neverCore(), files);
      expect(result).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    }
    expect(save).not.toHaveBeenCalled();
  });

  it('refuses the files channels where the shell gave no answers', async () => {
    const core = neverCore();
    const result = await routeInvoke(page, 'files.saveDocument', ccd, core);
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    expect(core).not.toHaveBeenCalled();
  });

  it('says a disk failure in plain words, and nothing of the path or the error', async () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write /Volumes/secret/x.xml'), {
      code: 'ENOSPC',
    });
    const { files } = answers(vi.fn(async () => Promise.reject(full)));
    const result = await routeInvoke(page, 'files.saveDocument', ccd, neverCore(), files);
    expect(result).toEqual({
      ok: false,
      error: { kind: 'save-failed', message: expect.stringContaining('could not be saved there') },
    });
    expect(JSON.stringify(result)).not.toMatch(/ENOSPC|secret/);
    const { files: broken } = answers(vi.fn(async () => Promise.reject(new TypeError('bug at /src/x.ts'))));
    const internal = await routeInvoke(page, 'files.saveDocument', ccd, neverCore(), broken);
    expect(internal).toMatchObject({ ok: false, error: { kind: 'internal' } });
    expect(JSON.stringify(internal)).not.toContain('/src/x.ts');
  });
});
