import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { repoRoot } from './cli.js';

export type RunningHost = {
  url: string;
  origin: string;
  token: string;
  process: ChildProcess;
  stop(): Promise<void>;
};

/** Starts the real host (`dist/electron/host/main.js`) on a free port and waits for its address. */
export async function startHost(
  vaultPath: string,
  rendererDir = `${repoRoot}dist/renderer`,
  extraArgs: string[] = [],
): Promise<RunningHost> {
  const child = spawn(
    process.execPath,
    [`${repoRoot}dist/electron/host/main.js`, '--vault', vaultPath, '--renderer', rendererDir, ...extraArgs],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`host exited early (${code})`)));
    lines.once('line', resolve);
  });
  const { url, origin } = JSON.parse(first) as { url: string; origin: string };
  return {
    url,
    origin,
    token: new URL(url).hash.replace('#token=', ''),
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
