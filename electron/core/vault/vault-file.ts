import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { VaultError } from '../errors.js';
import { checkIntact, openVaultDatabase, type VaultDatabase } from './database.js';
import {
  ensureWrapIntact,
  envelopePath,
  newEnvelope,
  readEnvelope,
  wrapLabel,
  writeEnvelope,
  type KeyEnvelope,
} from './key-envelope.js';
import {
  DEFAULT_SCRYPT,
  deriveRecoveryKey,
  derivePassphraseKey,
  newDataKey,
  newHkdfParams,
  newScryptParams,
  unwrapKey,
  wrapKey,
  type ScryptParams,
} from './key-wrapping.js';
import { newRecoveryCode, parseRecoveryCode } from './recovery-code.js';

export const MIN_PASSPHRASE_LENGTH = 8;

export type VaultFileState = 'absent' | 'locked' | 'unlocked';

export type VaultFileOptions = {
  /** Tests may lower the cost; the app always uses the default. */
  scrypt?: Omit<ScryptParams, 'salt'>;
  /** Told, during an unlock, before the file is brought up to this version of the app. */
  onUpgrade?: (from: number, to: number) => void;
  /** Read connections opened beside this one while unlocked (the app's read worker). */
  readers?: VaultReaders;
};

/**
 * Connections that only read, beside the vault's one writer: the app answers the timeline, the
 * Summary and trends through them so they never wait behind an import or a sync.
 */
export interface VaultReaders {
  /**
   * Opens them on the vault just unlocked, with a copy of the data key that they own (and this
   * side wipes); true once they can answer, false when they could not open (the writer answers).
   */
  open(path: string, dataKey: Buffer): Promise<boolean>;
  close(): void;
}

function checkStrength(passphrase: string): void {
  if ([...passphrase.normalize('NFC')].length < MIN_PASSPHRASE_LENGTH)
    throw new VaultError('weak-passphrase');
}

/**
 * One vault on disk: the encrypted database and its key envelope. Holds the open database (and so
 * the data key, inside SQLCipher) only while unlocked.
 */
export class VaultFile {
  #db: VaultDatabase | null = null;
  readonly #scrypt: Omit<ScryptParams, 'salt'>;
  readonly #onUpgrade: VaultFileOptions['onUpgrade'];
  readonly #readers: VaultReaders | undefined;
  #readersOpening: Promise<boolean> = Promise.resolve(false);

  constructor(
    readonly path: string,
    options: VaultFileOptions = {},
  ) {
    this.#scrypt = options.scrypt ?? DEFAULT_SCRYPT;
    this.#onUpgrade = options.onUpgrade;
    this.#readers = options.readers;
  }

  get state(): VaultFileState {
    if (this.#db) return 'unlocked';
    return existsSync(this.path) || existsSync(envelopePath(this.path)) ? 'locked' : 'absent';
  }

  get db(): VaultDatabase {
    if (!this.#db) throw new VaultError(this.state === 'absent' ? 'vault-missing' : 'vault-locked');
    return this.#db;
  }

  /** Creates the vault, leaves it unlocked and returns the recovery code, which is never stored. */
  async create(passphrase: string): Promise<string> {
    checkStrength(passphrase);
    if (this.state !== 'absent') throw new VaultError('vault-exists');
    // A new vault may be the first thing in its folder (a fresh app data folder, a USB stick).
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const dataKey = newDataKey();
    try {
      const recovery = newRecoveryCode();
      const scrypt = newScryptParams(this.#scrypt);
      const hkdf = newHkdfParams();
      const draft = newEnvelope(
        { kdf: scrypt, key: { iv: '', ciphertext: '', tag: '' } },
        { kdf: hkdf, key: { iv: '', ciphertext: '', tag: '' } },
      );
      const passphraseKey = await derivePassphraseKey(passphrase, scrypt);
      draft.wraps.passphrase.key = wrapKey(dataKey, passphraseKey, wrapLabel(draft, 'passphrase'));
      draft.wraps.recovery.key = wrapKey(
        dataKey,
        deriveRecoveryKey(recovery.bytes, hkdf),
        wrapLabel(draft, 'recovery'),
      );
      passphraseKey.fill(0);
      recovery.bytes.fill(0);

      const db = openVaultDatabase(this.path, dataKey, 'create');
      try {
        writeEnvelope(this.path, draft);
      } catch (error) {
        db.close();
        this.#removeFiles();
        throw error;
      }
      this.#db = db;
      this.#openReaders(dataKey);
      await this.#readersOpening;
      return recovery.code;
    } finally {
      dataKey.fill(0);
    }
  }

  async unlock(passphrase: string): Promise<void> {
    if (this.#db) return;
    const envelope = this.#envelope();
    ensureWrapIntact(envelope, 'passphrase');
    const key = await derivePassphraseKey(passphrase, envelope.wraps.passphrase.kdf);
    const dataKey = unwrapKey(envelope.wraps.passphrase.key, key, wrapLabel(envelope, 'passphrase'));
    key.fill(0);
    if (!dataKey) throw new VaultError('wrong-passphrase');
    this.#open(dataKey);
    await this.#readersOpening;
  }

  /** Unlocks with the recovery code and sets a new passphrase; the recovery code stays valid. */
  async recover(recoveryCode: string, newPassphrase: string): Promise<void> {
    checkStrength(newPassphrase);
    const envelope = this.#envelope();
    ensureWrapIntact(envelope, 'recovery');
    const code = parseRecoveryCode(recoveryCode);
    if (!code) throw new VaultError('wrong-recovery-code');
    const recoveryKey = deriveRecoveryKey(code, envelope.wraps.recovery.kdf);
    code.fill(0);
    const dataKey = unwrapKey(envelope.wraps.recovery.key, recoveryKey, wrapLabel(envelope, 'recovery'));
    recoveryKey.fill(0);
    if (!dataKey) throw new VaultError('wrong-recovery-code');
    try {
      // Prove the key opens the database before the old passphrase stops working.
      if (!this.#db) this.#open(Buffer.from(dataKey));
      await this.#readersOpening;
      await this.#rewrapPassphrase(envelope, dataKey, newPassphrase);
    } finally {
      dataKey.fill(0);
    }
  }

  /** Rewraps the data key under the new passphrase; the database itself is not rewritten. */
  async changePassphrase(current: string, next: string): Promise<void> {
    checkStrength(next);
    const envelope = this.#envelope();
    ensureWrapIntact(envelope, 'passphrase');
    const key = await derivePassphraseKey(current, envelope.wraps.passphrase.kdf);
    const dataKey = unwrapKey(envelope.wraps.passphrase.key, key, wrapLabel(envelope, 'passphrase'));
    key.fill(0);
    if (!dataKey) throw new VaultError('wrong-passphrase');
    try {
      await this.#rewrapPassphrase(envelope, dataKey, next);
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * Looks for damage in the open vault (see checkIntact); a damaged one stays open for reading
   * and refuses writes until it is locked. Returns false only when damage was found.
   */
  checkIntact(): boolean {
    return this.#db ? checkIntact(this.#db) : true;
  }

  lock(): void {
    if (!this.#db) return;
    this.#readers?.close();
    try {
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.#db.close();
      this.#db = null;
    }
  }

  async #rewrapPassphrase(envelope: KeyEnvelope, dataKey: Buffer, passphrase: string): Promise<void> {
    const kdf = newScryptParams(this.#scrypt);
    const key = await derivePassphraseKey(passphrase, kdf);
    const next: KeyEnvelope = {
      ...envelope,
      wraps: {
        ...envelope.wraps,
        passphrase: { kdf, key: wrapKey(dataKey, key, wrapLabel(envelope, 'passphrase')) },
      },
    };
    key.fill(0);
    writeEnvelope(this.path, next);
  }

  #envelope(): KeyEnvelope {
    if (this.state === 'absent') throw new VaultError('vault-missing');
    if (!existsSync(this.path))
      throw new VaultError('vault-damaged', 'The vault file is missing beside its key file.');
    return readEnvelope(this.path);
  }

  #open(dataKey: Buffer): void {
    try {
      this.#db = openVaultDatabase(this.path, dataKey, 'open', this.#onUpgrade);
      this.#openReaders(dataKey);
    } finally {
      dataKey.fill(0);
    }
  }

  /** After the writer has brought the file up to date: readers never see an older schema. */
  #openReaders(dataKey: Buffer): void {
    if (!this.#readers) return;
    this.#readersOpening = this.#readers.open(this.path, Buffer.from(dataKey)).catch(() => false);
  }

  #removeFiles(): void {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${this.path}${suffix}`, { force: true });
    rmSync(envelopePath(this.path), { force: true });
  }
}
