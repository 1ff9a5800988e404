import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = `${repoRoot}bin/phr-vault.js`;

/** The command line runs from dist/, as an installed copy does; `npm test` builds first. */
export function requireBuild(): void {
  if (!existsSync(`${repoRoot}dist/electron/cli/phr-vault.js`)) {
    throw new Error('dist/ is missing: run `npm run build` before these tests (npm test does).');
  }
}

export type CliResult = { status: number | null; stdout: string; stderr: string };

export function runCli(args: string[], passphrase?: string, extraEnv: NodeJS.ProcessEnv = {}): CliResult {
  const env = { ...process.env, ...extraEnv };
  delete env.PHR_VAULT_PASSPHRASE;
  if (passphrase !== undefined) env.PHR_VAULT_PASSPHRASE = passphrase;
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function spawnCli(args: string[], passphrase: string, extraEnv: NodeJS.ProcessEnv = {}): ChildProcess {
  const env = { ...process.env, ...extraEnv, PHR_VAULT_PASSPHRASE: passphrase };
  return spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Like runCli, without blocking: for commands that talk to servers running in the test's own
 * process (spawnSync would stop them from answering).
 */
export async function runCliAsync(
  args: string[],
  passphrase: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  const child = spawnCli(args, passphrase, extraEnv);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { status, stdout, stderr };
}
