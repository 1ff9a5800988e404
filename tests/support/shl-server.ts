import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactEncrypt } from 'jose';

/**
 * A SMART Health Links sharing server on 127.0.0.1, as strict as the standard has one be: the
 * manifest only on POST with a JSON body naming its `recipient`; a passcode link answers 401
 * with `remainingAttempts` to a wrong or missing passcode and stops working (404) when none are
 * left; an expired or withdrawn link answers 404; files larger than the receiver's
 * `embeddedLengthMax` come from a `location` that works once; a U link's one file only on GET with
 * `recipient` in the query. Files are encrypted with jose (compact JWE, dir, A256GCM), or served as
 * given when already encrypted (the validation SDK's example links). `behaviour` makes it answer
 * as a slow, strange or misdirecting server does.
 */

export type SharedFile =
  | { contentType: string; content: string | Buffer; zip?: boolean }
  /** A file already encrypted with the link's key. */
  | { contentType: string; jwe: string };

export type ShareOptions = {
  passcode?: string;
  attempts?: number;
  /** Seconds since 1970, as in the payload. */
  exp?: number;
  flag?: string;
  label?: string;
  /** The link's key (base64url, 43 characters); a new random one by default. */
  key?: string;
  /** Put the link after a viewer's address, as sharing apps do for people without an app. */
  viewer?: string;
};

export type SharedLink = { link: string; id: string; key: string };

export type ShlBehaviour =
  | 'plain'
  | 'slow'
  | 'garbage'
  | 'endless'
  | 'redirect-elsewhere'
  | 'redirect-here'
  | 'too-many-files'
  | 'files-forbidden';

type Share = {
  id: string;
  key: string;
  files: { contentType: string; jwe: string }[];
  passcode?: string;
  attemptsLeft: number;
  exp?: number;
  flag: string;
  withdrawn: boolean;
};

export type ShlServer = {
  origin: string;
  behaviour: ShlBehaviour;
  /** Where 'redirect-elsewhere' sends its callers. */
  elsewhere: string;
  /** Every request as `METHOD /path`, and the manifest requests' bodies. */
  requests: string[];
  manifestBodies: unknown[];
  share(files: SharedFile[], options?: ShareOptions): Promise<SharedLink>;
  withdraw(id: string): void;
  close(): Promise<void>;
};

const b64url = (bytes: Buffer) => bytes.toString('base64url');

export async function encryptFile(file: SharedFile, key: string): Promise<string> {
  if ('jwe' in file) return file.jwe;
  const content = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
  return new CompactEncrypt(content)
    .setProtectedHeader({
      alg: 'dir',
      enc: 'A256GCM',
      cty: file.contentType,
      ...(file.zip ? { zip: 'DEF' } : {}),
    })
    .encrypt(Buffer.from(key, 'base64url'));
}

export function linkText(payload: Record<string, unknown>, viewer?: string): string {
  const link = `shlink:/${b64url(Buffer.from(JSON.stringify(payload)))}`;
  return viewer ? `${viewer}#${link}` : link;
}

const MAX_BODY = 64 * 1024;

async function bodyOf(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startShlServer(behaviour: ShlBehaviour = 'plain'): Promise<ShlServer> {
  const shares = new Map<string, Share>();
  /** One-time file addresses the manifests handed out. */
  const locations = new Map<string, string>();
  const held: (() => void)[] = [];
  const json = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const jose = (res: ServerResponse, jwe: string) =>
    res.writeHead(200, { 'content-type': 'application/jose' }).end(jwe);

  const state: ShlServer = {
    origin: '',
    behaviour,
    elsewhere: 'http://127.0.0.2:9',
    requests: [],
    manifestBodies: [],
    async share(files, options = {}) {
      const id = b64url(randomBytes(32));
      const key = options.key ?? b64url(randomBytes(32));
      const flag = options.flag ?? (options.passcode !== undefined ? 'P' : '');
      shares.set(id, {
        id,
        key,
        files: await Promise.all(
          files.map(async (f) => ({ contentType: f.contentType, jwe: await encryptFile(f, key) })),
        ),
        ...(options.passcode !== undefined ? { passcode: options.passcode } : {}),
        attemptsLeft: options.attempts ?? 10,
        ...(options.exp !== undefined ? { exp: options.exp } : {}),
        flag,
        withdrawn: false,
      });
      const payload: Record<string, unknown> = { url: `${state.origin}/shl/${id}`, key };
      if (options.exp !== undefined) payload.exp = options.exp;
      if (flag) payload.flag = flag;
      if (options.label !== undefined) payload.label = options.label;
      payload.v = 1;
      return { link: linkText(payload, options.viewer), id, key };
    },
    withdraw(id) {
      const share = shares.get(id);
      if (share) share.withdrawn = true;
    },
    close: () =>
      new Promise((resolve) => {
        for (const release of held.splice(0)) release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const active = (share: Share | undefined): share is Share =>
    share !== undefined &&
    !share.withdrawn &&
    (share.exp === undefined || share.exp * 1000 > Date.now()) &&
    (share.passcode === undefined || share.attemptsLeft > 0);

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      state.requests.push(`${req.method} ${url.pathname}`);
      if (state.behaviour === 'slow') {
        // Never answers until the test ends: only the caller's time limit ends its wait.
        held.push(() => res.destroy());
        return;
      }
      if (state.behaviour === 'redirect-elsewhere') {
        res.writeHead(307, { location: `${state.elsewhere}${url.pathname}` }).end();
        return;
      }
      if (state.behaviour === 'redirect-here' && !url.pathname.startsWith('/moved/')) {
        res.writeHead(307, { location: `/moved${url.pathname}` }).end();
        return;
      }
      const path = url.pathname.replace(/^\/moved/, '');
      if (state.behaviour === 'garbage') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('<html>Welcome!</html>');
        return;
      }
      if (state.behaviour === 'endless') {
        // A body that never ends, sent as fast as the caller reads it.
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const more = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', more);
        };
        more();
        held.push(() => res.destroy());
        return;
      }
      const file = /^\/file\/([\w-]+)$/.exec(path);
      if (file) {
        if (req.method !== 'GET') return json(res, 405, { error: 'GET only' });
        if (state.behaviour === 'files-forbidden') return json(res, 403, { error: 'forbidden' });
        const jwe = locations.get(file[1]!);
        // A location works once: a second request is someone else's.
        locations.delete(file[1]!);
        if (jwe === undefined) return json(res, 404, { error: 'no such file' });
        return jose(res, jwe);
      }
      const link = /^\/shl\/([\w-]+)$/.exec(path);
      if (!link) return json(res, 404, { error: 'not found' });
      const share = shares.get(link[1]!);
      if (share?.flag.includes('U')) {
        if (req.method !== 'GET') return json(res, 405, { error: 'a U link is fetched with GET' });
        if (!url.searchParams.get('recipient')) return json(res, 400, { error: 'recipient is required' });
        if (!active(share)) return json(res, 404, { error: 'no longer available' });
        return jose(res, share.files[0]!.jwe);
      }
      if (req.method !== 'POST') return json(res, 405, { error: 'POST only' });
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
        return json(res, 415, { error: 'application/json only' });
      const text = await bodyOf(req);
      let body: { recipient?: unknown; passcode?: unknown; embeddedLengthMax?: unknown };
      try {
        body = JSON.parse(text ?? '') as typeof body;
      } catch {
        return json(res, 400, { error: 'not JSON' });
      }
      state.manifestBodies.push(body);
      if (typeof body.recipient !== 'string' || body.recipient === '')
        return json(res, 400, { error: 'recipient is required' });
      if (!active(share)) return json(res, 404, { error: 'no longer available' });
      if (share.passcode !== undefined && body.passcode !== share.passcode) {
        share.attemptsLeft -= 1;
        return json(res, 401, { remainingAttempts: share.attemptsLeft });
      }
      const limit = typeof body.embeddedLengthMax === 'number' ? body.embeddedLengthMax : -1;
      const files = share.files.map((f) => {
        if (f.jwe.length <= limit) return { contentType: f.contentType, embedded: f.jwe };
        const id = b64url(randomBytes(32));
        locations.set(id, f.jwe);
        return { contentType: f.contentType, location: `${state.origin}/file/${id}` };
      });
      if (state.behaviour === 'too-many-files') return json(res, 200, { files: Array(101).fill(files[0]) });
      return json(res, 200, { files });
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
