import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { VaultService } from '../../electron/core/api.js';
import { MAX_PAGE_MESSAGE_BYTES } from '../../electron/host/host-server.js';
import { shellChannels, type Result } from '../../shared/ipc/contract.js';
import { requireBuild } from '../support/cli.js';
import { startHost, type RunningHost } from '../support/host.js';
import { GEOFFREY, tempDir } from '../support/temp-dir.js';

function connect(host: RunningHost, opts: { token?: string; origin?: string } = {}): Promise<WebSocket> {
  const ws = new WebSocket(`${host.origin.replace('http', 'ws')}/ipc?token=${opts.token ?? host.token}`, {
    origin: opts.origin ?? host.origin,
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function client(ws: WebSocket) {
  let nextId = 1;
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const events: { event: string; payload: unknown }[] = [];
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as {
      id?: number;
      result?: Result<unknown>;
      event?: string;
      payload?: unknown;
    };
    if (message.event) events.push({ event: message.event, payload: message.payload });
    else pending.get(message.id!)?.(message.result!);
  });
  return {
    events,
    call(channel: string, request: unknown = {}): Promise<Result<unknown>> {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, channel, request }));
      });
    },
  };
}

describe('the test host', () => {
  let host: RunningHost;
  let dir: string;

  beforeAll(async () => {
    requireBuild();
    dir = tempDir('phr-vault-host-');
    const renderer = join(dir, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>PHR Vault</title>');
    host = await startHost(join(dir, 'vault.phrvault'), renderer);
  });
  afterAll(() => host?.stop());

  it('listens on 127.0.0.1 only and serves the renderer with its CSP', async () => {
    expect(new URL(host.origin).hostname).toBe('127.0.0.1');
    const res = await fetch(`${host.origin}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain(
      `connect-src ws://${new URL(host.origin).host}`,
    );
    expect((await fetch(`${host.origin}/..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${host.origin}/missing.js`)).status).toBe(404);
  });

  it('refuses a socket without the token or from another origin', async () => {
    await expect(connect(host, { token: 'wrong' })).rejects.toThrow(/401/);
    await expect(connect(host, { origin: 'http://evil.example' })).rejects.toThrow(/401/);
  });

  it('serves the contract: create, events, persons, typed errors', async () => {
    const ws = await connect(host);
    const api = client(ws);
    expect(await api.call('vault.status')).toEqual({
      ok: true,
      value: { state: 'absent', location: join(dir, 'vault.phrvault') },
    });
    expect(await api.call('persons.list')).toMatchObject({ ok: false, error: { kind: 'vault-missing' } });

    const weak = await api.call('vault.create', { passphrase: 'short' });
    expect(weak).toEqual({
      ok: false,
      error: { kind: 'weak-passphrase', message: expect.stringContaining('at least 8') },
    });

    const created = (await api.call('vault.create', {
      passphrase: 'correct horse battery',
      ownerName: 'Pat',
    })) as {
      ok: true;
      value: { recoveryCode: string; status: { state: string } };
    };
    expect(created.ok).toBe(true);
    expect(created.value.status.state).toBe('unlocked');
    expect(api.events).toContainEqual({
      event: 'vault.state',
      payload: expect.objectContaining({ state: 'unlocked' }),
    });

    expect(
      await api.call('persons.add', { name: 'Sam', relationship: 'child', birthDate: '2015-06-01' }),
    ).toMatchObject({
      ok: true,
      value: { name: 'Sam', relationship: 'child', recordCount: 0 },
    });
    const people = (await api.call('persons.list')) as { ok: true; value: { name: string }[] };
    expect(people.value.map((p) => p.name)).toEqual(['Pat', 'Sam']);

    const invalid = await api.call('persons.add', { name: '', relationship: 'stranger', extra: 1 });
    expect(invalid).toEqual({ ok: false, error: { kind: 'invalid-request', message: expect.any(String) } });
    expect(JSON.stringify(invalid)).not.toMatch(/at |ZodError|\.ts/);
    expect(await api.call('fs.readFile', { path: '/etc/passwd' })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-request' },
    });

    expect(await api.call('vault.lock')).toMatchObject({ ok: true, value: { state: 'locked' } });
    expect(await api.call('vault.unlock', { passphrase: 'wrong passphrase' })).toMatchObject({
      ok: false,
      error: { kind: 'wrong-passphrase' },
    });
    expect(await api.call('vault.unlock', { passphrase: 'correct horse battery' })).toMatchObject({
      ok: true,
    });
    ws.close();
  });

  it('refuses every channel only the shell may call', async () => {
    const api = client(await connect(host));
    expect(shellChannels.length).toBeGreaterThan(0);
    for (const channel of shellChannels) {
      const request = { online: false, folder: dir, path: join(dir, 'x'), personId: 1, format: 'ccda' };
      expect(await api.call(channel, request), channel).toMatchObject({
        ok: false,
        error: { kind: 'invalid-request' },
      });
    }
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('closes a socket that sends garbage, and keeps serving others', async () => {
    const bad = await connect(host);
    const closed = new Promise<number>((resolve) => bad.once('close', resolve));
    bad.send('not json');
    expect(await closed).toBe(1003);
    const good = client(await connect(host));
    expect(await good.call('vault.status')).toMatchObject({ ok: true });
  });

  it('answers 400 to an address that is not valid percent-encoding, and keeps serving', async () => {
    // fetch() would normalise the path; a raw request sends it exactly as a hostile page could.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${host.origin}/%E0%A4%A`, { method: 'GET' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
    expect(host.process.exitCode).toBeNull();
    expect((await fetch(`${host.origin}/`)).status).toBe(200);
  });
});

describe('saving a document through the test host', () => {
  const ccd = (suggestedName: string, text = '<?xml version="1.0"?><ClinicalDocument/>') => ({
    suggestedName,
    mimeType: 'application/xml',
    contentBase64: Buffer.from(text).toString('base64'),
  });
  let dir: string;
  let renderer: string;
  const hosts: RunningHost[] = [];

  beforeAll(() => {
    requireBuild();
    dir = tempDir('phr-vault-host-files-');
    renderer = join(dir, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>PHR Vault</title>');
  });
  afterAll(async () => {
    for (const host of hosts) await host.stop();
  });

  it('writes into its --downloads folder only, under the sanitised last segment of the name', async () => {
    const downloads = join(dir, 'downloads');
    const host = await startHost(join(dir, 'a.phrvault'), renderer, ['--downloads', downloads]);
    hosts.push(host);
    const api = client(await connect(host));

    expect(await api.call('files.saveDocument', ccd('Geoffrey Abbott summary.xml'))).toEqual({
      ok: true,
      value: { saved: true, fileName: 'Geoffrey Abbott summary.xml' },
    });
    const saved = join(downloads, 'Geoffrey Abbott summary.xml');
    expect(readFileSync(saved, 'utf8')).toBe('<?xml version="1.0"?><ClinicalDocument/>');
    if (process.platform !== 'win32') expect(statSync(saved).mode & 0o777).toBe(0o600);

    // A second one of that name never replaces the first.
    expect(await api.call('files.saveDocument', ccd('Geoffrey Abbott summary.xml', '<?xml?>'))).toMatchObject(
      {
        value: { fileName: 'Geoffrey Abbott summary (2).xml' },
      },
    );
    expect(readFileSync(saved, 'utf8')).toContain('ClinicalDocument');

    // A path from the page is never followed: only its last segment is used, inside the folder.
    expect(await api.call('files.saveDocument', ccd('../../escaped.xml'))).toMatchObject({
      value: { fileName: 'escaped.xml' },
    });
    expect(existsSync(join(dir, 'escaped.xml'))).toBe(false);
    expect(await api.call('files.saveDocument', ccd('..\\..\\win.xml'))).toMatchObject({
      value: { fileName: 'win.xml' },
    });
    expect(readdirSync(downloads).sort()).toEqual([
      'Geoffrey Abbott summary (2).xml',
      'Geoffrey Abbott summary.xml',
      'escaped.xml',
      'win.xml',
    ]);

    const extra = await api.call('files.saveDocument', { ...ccd('x.xml'), folder: '/tmp' });
    expect(extra).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
  });

  it('refuses to save, in plain words, when started without --downloads', async () => {
    const host = await startHost(join(dir, 'b.phrvault'), renderer);
    hosts.push(host);
    const api = client(await connect(host));
    const refused = await api.call('files.saveDocument', ccd('summary.xml'));
    expect(refused).toEqual({
      ok: false,
      error: { kind: 'save-failed', message: expect.stringContaining('without --downloads') },
    });
  });

  it('passes the core’s refusal of an export on, and never takes a path from the page', async () => {
    const downloads = join(dir, 'export-downloads');
    mkdirSync(downloads);
    const host = await startHost(join(dir, 'e.phrvault'), renderer, ['--downloads', downloads]);
    hosts.push(host);
    const api = client(await connect(host));
    expect(
      await api.call('vault.create', { passphrase: 'correct horse battery', ownerName: 'Pat' }),
    ).toMatchObject({
      ok: true,
    });
    // Pat has no records yet: the core says so in words, and nothing lands in the folder.
    expect(await api.call('files.saveExport', { personId: 1, format: 'ccda' })).toMatchObject({
      ok: false,
      error: { kind: 'empty-selection', message: expect.stringContaining('nothing to export') },
    });
    // The page never names where: a path in the request is not the contract's.
    expect(
      await api.call('files.saveExport', { personId: 1, format: 'ccda', path: join(dir, 'x.xml') }),
    ).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    expect(readdirSync(downloads)).toEqual([]);
    expect(existsSync(join(dir, 'x.xml'))).toBe(false);
  });

  it('never lets the page name a backup folder or file; "Choose a folder…" answers with --backups', async () => {
    const backups = join(dir, 'backups');
    const host = await startHost(join(dir, 'd.phrvault'), renderer, ['--backups', backups]);
    hosts.push(host);
    const api = client(await connect(host));
    expect(await api.call('backups.useFolder', { folder: '/tmp' })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-request' },
    });
    expect(await api.call('restore.useFile', { path: '/tmp/x.phrvault-backup' })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-request' },
    });
    // Without a vault the core refuses the folder it is handed, and the page hears why.
    expect(await api.call('files.chooseBackupFolder', {})).toMatchObject({
      ok: false,
      error: { kind: 'vault-missing' },
    });
    expect(await api.call('files.chooseBackupFile', {})).toMatchObject({
      ok: false,
      error: { kind: 'save-failed', message: expect.stringContaining('no backup in its --backups folder') },
    });
  });

  it('never lets the page name a file to import; "Import files…" and drops answer from --imports only', async () => {
    const imports = join(dir, 'imports');
    mkdirSync(imports);
    writeFileSync(join(imports, 'b.json'), '{}');
    writeFileSync(join(imports, 'a.xml'), '<x/>');
    writeFileSync(join(dir, 'secret.json'), '{}');
    const host = await startHost(join(dir, 'i.phrvault'), renderer, ['--imports', imports]);
    hosts.push(host);
    const api = client(await connect(host));
    expect(await api.call('imports.useFiles', { paths: [join(dir, 'secret.json')] })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-request' },
    });
    const chosen = (await api.call('files.chooseImportFiles', {})) as Result<{ files: { name: string }[] }>;
    expect(chosen.ok && chosen.value.files.map((f) => f.name)).toEqual(['a.xml', 'b.json']);
    // A name with a folder in it is looked for in --imports by its last segment only.
    const dropped = (await api.call('files.dropImportFiles', {
      paths: ['../secret.json', join(dir, 'secret.json'), 'b.json'],
    })) as Result<{ files: { name: string; bytes: number }[] }>;
    expect(dropped.ok && dropped.value.files).toEqual([
      { name: 'b.json', bytes: 2, token: expect.any(String) },
    ]);

    const without = await startHost(join(dir, 'j.phrvault'), renderer);
    hosts.push(without);
    expect(await client(await connect(without)).call('files.chooseImportFiles', {})).toMatchObject({
      ok: false,
      error: { kind: 'bad-input', message: expect.stringContaining('without --imports') },
    });
  });

  it('imports a file larger than any message a page may send: the page names it, the core reads it', async () => {
    const imports = join(dir, 'large-imports');
    mkdirSync(imports);
    // Geoffrey Abbott's public records as NDJSON, then lines of spaces (a megabyte each) until the
    // file is larger than the socket takes from a page in one message.
    const bundle = JSON.parse(readFileSync(GEOFFREY, 'utf8')) as { entry: { resource: unknown }[] };
    const records = `${bundle.entry.map((e) => JSON.stringify(e.resource)).join('\n')}\n`;
    const padding = Buffer.alloc(MAX_PAGE_MESSAGE_BYTES, 0x20);
    for (let at = 1 << 20; at <= padding.length; at += 1 << 20) padding[at - 1] = 0x0a;
    writeFileSync(join(imports, 'geoffrey.ndjson'), Buffer.concat([Buffer.from(records), padding]));
    const host = await startHost(join(dir, 'large.phrvault'), renderer, ['--imports', imports]);
    hosts.push(host);

    // A page's message of that size closes its socket: the limit is real.
    const sender = await connect(host);
    const closed = new Promise<number>((resolve) => sender.once('close', resolve));
    sender.send(
      JSON.stringify({
        id: 1,
        channel: 'vault.status',
        request: { pad: 'x'.repeat(MAX_PAGE_MESSAGE_BYTES) },
      }),
    );
    expect(await closed).toBe(1009);

    const api = client(await connect(host));
    expect(
      await api.call('vault.create', { passphrase: 'correct horse battery', ownerName: 'Geoffrey Abbott' }),
    ).toMatchObject({ ok: true });
    const people = (await api.call('persons.list')) as Result<{ id: number }[]>;
    if (!people.ok) throw new Error(people.error.message);
    const owner = people.value[0]!;
    const chosen = (await api.call('files.chooseImportFiles', {})) as Result<{
      files: { token: string; bytes: number }[];
    }>;
    if (!chosen.ok) throw new Error(chosen.error.message);
    const [file] = chosen.value.files;
    expect(file!.bytes).toBeGreaterThan(MAX_PAGE_MESSAGE_BYTES);
    expect(await api.call('imports.preview', { personId: owner.id, tokens: [file!.token] })).toMatchObject({
      ok: true,
      value: [
        {
          outcome: 'ready',
          format: 'fhir',
          about: `FHIR R4, ${bundle.entry.length} records`,
          whose: 'match',
        },
      ],
    });
    expect(
      await api.call('imports.run', { token: file!.token, personId: owner.id, as: 'this-person' }),
    ).toMatchObject({
      ok: true,
      value: { added: bundle.entry.length, problemCount: 0 },
    });
  });

  it('is never answered by the core, whatever the transport', async () => {
    const service = new VaultService({
      vaultPath: join(dir, 'c.phrvault'),
      transport: 'host',
      appVersion: 'test',
    });
    expect(await service.dispatch('files.saveDocument', ccd('summary.xml'))).toMatchObject({
      ok: false,
      error: { kind: 'invalid-request' },
    });
    service.close();
  });
});
