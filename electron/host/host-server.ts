import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { contentSecurityPolicy } from '../../shared/csp.js';
import {
  answerFilesChannel,
  handBackupFileToCore,
  handFolderToCore,
  handImportFilesToCore,
  isFilesChannel,
  RefusedByCore,
  SaveRefused,
  type FilesAnswers,
} from '../../shared/ipc/areas/files.js';
import { userMessage } from '../../shared/errors.js';
import type { WireMessage, WireRequest } from '../../shared/ipc/wire.js';
import { HOST_SOCKET_PATH } from '../../shared/ipc/wire.js';
import { isChannel, type Result } from '../../shared/ipc/contract.js';
import type { CoreConnection } from '../core/worker/core-client.js';
import { downloadsFolder } from './downloads.js';

/** The largest message the host takes from a page over its socket (a larger one closes it). */
export const MAX_PAGE_MESSAGE_BYTES = 64 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

const refused: Result<never> = {
  ok: false,
  error: { kind: 'invalid-request', message: userMessage('invalid-request') },
};

export type HostServer = {
  url: string;
  origin: string;
  token: string;
  server: Server;
  close(): Promise<void>;
};

/**
 * Serves the built renderer and the IPC contract over a WebSocket, on 127.0.0.1 only, so the real
 * renderer runs in a real browser against the real core. A random token per run (in the page's
 * URL fragment, which browsers never send to a server) and an Origin check keep other pages and
 * other local users' programs out.
 */
export async function startHostServer(
  core: CoreConnection,
  rendererDir: string,
  port = 0,
  options: {
    downloads?: string;
    /** The folder "Choose a folder…" for backups answers with: a page has no folder dialog. */
    backups?: string;
    /** What "Import files…" answers with: every file in this folder, as if chosen in a dialog. */
    imports?: string;
  } = {},
): Promise<HostServer> {
  const files: FilesAnswers = {
    ...downloadsFolder(options.downloads, (channel, request) => core.dispatch(channel, request)),
    'files.chooseBackupFolder': () => {
      if (!options.backups)
        throw new SaveRefused('This PHR Vault host was started without --backups, so it keeps no backups.');
      return handFolderToCore(options.backups, (channel, request) => core.dispatch(channel, request));
    },
    // The page has no open dialog of ours either: the newest backup in the --backups folder.
    'files.chooseBackupFile': () => {
      const newest = options.backups ? newestBackup(options.backups) : null;
      if (!newest) throw new SaveRefused('This PHR Vault host has no backup in its --backups folder.');
      return handBackupFileToCore(newest, (channel, request) => core.dispatch(channel, request));
    },
    'files.chooseImportFiles': () =>
      handImportFilesToCore(filesIn(importsFolder(options.imports)), (channel, request) =>
        core.dispatch(channel, request),
      ),
    // A browser gives a dropped file's name, never its path: the file of that name in --imports.
    'files.dropImportFiles': (request) => {
      const folder = importsFolder(options.imports);
      const paths = request.paths.map((name) => join(folder, basename(name)));
      return handImportFilesToCore(
        paths.filter((path) => existsSync(path) && statSync(path).isFile()),
        (channel, request) => core.dispatch(channel, request),
      );
    },
  };
  const token = randomBytes(32).toString('base64url');
  const root = resolve(rendererDir);
  let origin = '';

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let path: string;
    try {
      path = normalize(decodeURIComponent(url.pathname));
    } catch {
      // A malformed escape (`/%E0%A4%A`) makes decodeURIComponent throw; uncaught, it ended the host.
      res.writeHead(400, { 'content-type': 'text/plain' }).end('Bad request');
      return;
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = join(root, path);
    if (
      (req.method !== 'GET' && req.method !== 'HEAD') ||
      !(file === root || file.startsWith(root + sep)) ||
      !existsSync(file) ||
      !statSync(file).isFile()
    ) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': contentSecurityPolicy(origin.replace(/^http/, 'ws')),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });

  const sockets = new WebSocketServer({
    server,
    path: HOST_SOCKET_PATH,
    // The largest message a page sends is an attachment's copy to save (files.saveDocument), which
    // can run to tens of megabytes. Files to import never come up the socket: the page names them
    // by token and the core reads them from disk, whatever their size.
    maxPayload: MAX_PAGE_MESSAGE_BYTES,
    verifyClient: ({ req }: { req: IncomingMessage }) => {
      const given = Buffer.from(new URL(req.url ?? '', 'http://127.0.0.1').searchParams.get('token') ?? '');
      const expected = Buffer.from(token);
      const tokenOk = given.length === expected.length && timingSafeEqual(given, expected);
      return tokenOk && req.headers.origin === origin;
    },
  });

  const clients = new Set<WebSocket>();
  core.on((event, payload) => {
    const message = JSON.stringify({ event, payload } satisfies WireMessage);
    for (const socket of clients) socket.send(message);
  });

  sockets.on('connection', (socket) => {
    clients.add(socket);
    socket.on('close', () => clients.delete(socket));
    // A message past maxPayload (or a broken frame) is an error on this socket alone: ws closes it
    // (1009, 1002), and without a listener the error would end the whole host.
    socket.on('error', () => undefined);
    socket.on('message', (data) => {
      let message: WireRequest;
      try {
        message = JSON.parse(String(data)) as WireRequest;
        if (typeof message.id !== 'number') throw new Error('no id');
      } catch {
        socket.close(1003, 'bad message');
        return;
      }
      // Only the page's channels (isChannel): the shell's (sync.machine, the backup folder and
      // file) are not a page's to call. files.* are the host's own to answer (its downloads
      // folder), as main answers them in Electron.
      const answer = !isChannel(message.channel)
        ? Promise.resolve(refused)
        : isFilesChannel(message.channel)
          ? answerFilesChannel(message.channel, message.request, files)
          : core.dispatch(message.channel, message.request);
      void answer.then((result) => {
        let text: string;
        try {
          text = JSON.stringify({ id: message.id, result } satisfies WireMessage);
        } catch {
          // Too deeply nested to write out (see core-worker.ts): answered all the same.
          const kind = 'answer-too-complex';
          text = JSON.stringify({
            id: message.id,
            result: { ok: false, error: { kind, message: userMessage(kind) } },
          } satisfies WireMessage);
        }
        socket.send(text);
      });
    });
  });

  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  const { port: bound } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${bound}`;
  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    server,
    close: () =>
      new Promise<void>((done) => {
        for (const socket of clients) socket.terminate();
        sockets.close();
        server.close(() => done());
      }),
  };
}

function importsFolder(folder: string | undefined): string {
  if (folder) return folder;
  throw new RefusedByCore({
    kind: 'bad-input',
    message: userMessage(
      'bad-input',
      'This PHR Vault host was started without --imports, so it has no files to import.',
    ),
  });
}

/** The files of a folder, by name, as a dialog choosing them all would give them. */
function filesIn(folder: string): string[] {
  return readdirSync(folder)
    .sort()
    .map((name) => join(folder, name))
    .filter((path) => statSync(path).isFile());
}

function newestBackup(folder: string): string | null {
  const names = existsSync(folder) ? readdirSync(folder).filter((n) => n.endsWith('.phrvault-backup')) : [];
  const newest = names.sort().at(-1);
  return newest ? join(folder, newest) : null;
}
