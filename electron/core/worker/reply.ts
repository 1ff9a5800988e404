import { userMessage } from '../../../shared/errors.js';

/**
 * A reply crosses from a worker as JSON text: the structured clone behind postMessage fails on a
 * deeply nested record, in the worker (throwing, which once ended the thread) or, worse, on the
 * receiving side (`messageerror`, with no request id, so the call never resolved). JSON.stringify
 * fails here, where the request is known, and JSON.parse on the other side reads any depth it wrote.
 */
export function replyJson(result: unknown): string {
  let json: string | undefined;
  try {
    if (!nestedDeeperThan(result, MAX_REPLY_DEPTH)) json = JSON.stringify(result);
  } catch {
    // Too deep for JSON.stringify's recursion: refused below like any other too deep.
  }
  return (
    json ??
    JSON.stringify({
      ok: false,
      error: { kind: 'answer-too-complex', message: userMessage('answer-too-complex') },
    })
  );
}

/**
 * Past the worker, a reply is cloned again (Electron's IPC to the page, where V8's deserializer
 * gave up near 3,000 levels on the main thread) and shown by recursive code; a FHIR resource is a
 * few dozen levels deep. Walked with a stack of its own, so the check itself cannot overflow.
 */
const MAX_REPLY_DEPTH = 1000;

function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}
