import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { beforeAll, describe, expect, it } from 'vitest';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { writeGlucoseNdjson } from '../support/fhir-builders.js';
import { requireBuild, runCli, spawnCli } from '../support/cli.js';
import { FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';
const TOTAL = 60_000;
const BATCH = 2000;

describe('a crash in the middle of an import', () => {
  let dir: string;
  let vaultPath: string;
  let ndjson: string;

  beforeAll(async () => {
    requireBuild();
    dir = tempDir('phr-vault-crash-');
    vaultPath = join(dir, 'vault.phrvault');
    ndjson = join(dir, 'labs.ndjson');
    const vault = new VaultFile(vaultPath, { scrypt: FAST_SCRYPT });
    await vault.create(PASS);
    addPerson(vault.db, { name: 'Ada', relationship: 'self' });
    vault.lock();
    await writeGlucoseNdjson(ndjson, TOTAL);
  });

  async function inspect() {
    const vault = new VaultFile(vaultPath);
    await vault.unlock(PASS);
    try {
      const db = vault.db;
      return {
        integrity: db.pragma('integrity_check', { simple: true }) as string,
        total: db.prepare('SELECT count(*) FROM resources').pluck().get() as number,
        distinct: db.prepare('SELECT count(DISTINCT server_id) FROM resources').pluck().get() as number,
        indexed: db
          .prepare(`SELECT count(*) FROM resources_fts WHERE resources_fts MATCH 'glucose'`)
          .pluck()
          .get() as number,
      };
    } finally {
      vault.lock();
    }
  }

  it('keeps every committed batch after kill -9, and a second run completes without duplicates', async () => {
    const child = spawnCli(['import', '--vault', vaultPath, '--batch', String(BATCH), ndjson], PASS);
    let saved = 0;
    let killing = false;
    child.stderr!.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      child.on('exit', () =>
        reject(new Error(`the import finished before it could be killed (saved ${saved})`)),
      );
      child.stderr!.on('data', (chunk: string) => {
        for (const match of chunk.matchAll(/(\d+) records saved/g)) saved = Number(match[1]);
        if (saved >= 10_000 && !killing) {
          // Imports write through a rollback journal, which exists only while a batch is being
          // written: killing then leaves it for the next open to roll back, the hardest case.
          killing = true;
          const started = Date.now();
          const poll = setInterval(() => {
            if (existsSync(`${vaultPath}-journal`) || Date.now() - started > 5_000) {
              clearInterval(poll);
              child.kill('SIGKILL');
              resolve();
            }
          }, 1);
        }
      });
    });
    await once(child, 'exit');
    expect(child.signalCode).toBe('SIGKILL');
    console.info(`journal left by the crash: ${existsSync(`${vaultPath}-journal`) ? 'yes' : 'no'}`);

    const afterCrash = await inspect();
    expect(afterCrash.integrity).toBe('ok');
    expect(afterCrash.total).toBeGreaterThanOrEqual(saved);
    expect(afterCrash.total).toBeLessThan(TOTAL);
    // Whole batches only: a transaction is committed entirely or not at all.
    expect(afterCrash.total % BATCH).toBe(0);
    expect(afterCrash.indexed).toBe(afterCrash.total);

    const rerun = runCli(['import', '--vault', vaultPath, ndjson], PASS);
    expect(rerun.stderr).not.toContain('phr-vault:');
    expect(rerun.status).toBe(0);
    expect(rerun.stdout).toContain(
      `${TOTAL - afterCrash.total} added, 0 updated, ${afterCrash.total} unchanged`,
    );

    const final = await inspect();
    expect(final).toEqual({ integrity: 'ok', total: TOTAL, distinct: TOTAL, indexed: TOTAL });
  });
});
