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
  RECOVERY_CODE_BYTES,
  deriveRecoveryKey,
  derivePassphraseKey,
  newDataKey,
  newHkdfParams,
  newScryptParams,
  unwrapKey,
  wrapKey,
  type HkdfParams,
  type ScryptParams,
} from './key-wrapping.js';
import {
  dataKeyFromKeychain,
  keychainAvailability,
  keychainSecret,
  type KeychainAvailability,
  type KeychainPort,
} from './keychain.js';
import { formatRecoveryCode, newRecoveryCode, parseRecoveryCode } from './recovery-code.js';

export const MIN_PASSPHRASE_LENGTH = 8;

export type VaultFileState = 'absent' | 'locked' | 'unlocked';

export type VaultFileOptions = {
  /** Tests may lower the cost; the app always uses the default. */
  scrypt?: Omit<ScryptParams, 'salt'>;
  /** Told, during an unlock, before the file is brought up to this version of the app. */
  onUpgrade?: (from: number, to: number) => void;
  /** Read connections opened beside this one while unlocked (the app's read worker). */
  readers?: VaultReaders;
  /** This computer's keychain, where the shell offers one (Electron's safeStorage). */
  keychain?: KeychainPort;
};

/** Whether this computer's keychain can unlock the vault, and whether it has been asked to. */
export type KeychainState = KeychainAvailability & {
  /** The keychain holds a wrap of the data key (made with the store named `enabledBackend`). */
  enabled: boolean;
  enabledBackend: string | null;
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
  readonly #keychain: KeychainPort | undefined;
  #readersOpening: Promise<boolean> = Promise.resolve(false);

  constructor(
    readonly path: string,
    options: VaultFileOptions = {},
  ) {
    this.#scrypt = options.scrypt ?? DEFAULT_SCRYPT;
    this.#onUpgrade = options.onUpgrade;
    this.#readers = options.readers;
    this.#keychain = options.keychain;
  }

  get state(): VaultFileState {
    if (this.#db) return 'unlocked';
    return existsSync(this.path) || existsSync(envelopePath(this.path)) ? 'locked' : 'absent';
  }

  get db(): VaultDatabase {
    if (!this.#db) throw new VaultError(this.state === 'absent' ? 'vault-missing' : 'vault-locked');
    return this.#db;
  }

  /**
   * Creates the vault, leaves it unlocked and returns the recovery code, which is stored only
   * sealed with the data key (to be shown again after the passphrase is typed).
   */
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
      draft.wraps.recovery = sealedRecovery(draft, dataKey, recovery.bytes, hkdf);
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
    const dataKey = unwrapKey(envelope.wraps.recovery.key, recoveryKey, wrapLabel(envelope, 'recovery'));
    recoveryKey.fill(0);
    if (!dataKey) {
      code.fill(0);
      throw new VaultError('wrong-recovery-code');
    }
    try {
      // Prove the key opens the database before the old passphrase stops working.
      if (!this.#db) this.#open(Buffer.from(dataKey));
      await this.#readersOpening;
      // A vault made before the code was kept learns it now, from the person who just typed it.
      const known = envelope.wraps.recovery.copy
        ? envelope
        : { ...envelope, wraps: { ...envelope.wraps, recovery: sealedCopy(envelope, dataKey, code) } };
      await this.#rewrapPassphrase(known, dataKey, newPassphrase);
    } finally {
      code.fill(0);
      dataKey.fill(0);
    }
  }

  /** Rewraps the data key under the new passphrase; the database itself is not rewritten. */
  async changePassphrase(current: string, next: string): Promise<void> {
    checkStrength(next);
    const envelope = this.#envelope();
    const dataKey = await this.#dataKeyFromPassphrase(envelope, current);
    try {
      await this.#rewrapPassphrase(envelope, dataKey, next);
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * The recovery code again, once the passphrase has been typed. A vault made before the code was
   * kept (or whose kept copy no longer opens) gets a new code: the old one stops working, and
   * `renewed` says so.
   */
  async recoveryCode(passphrase: string): Promise<{ recoveryCode: string; renewed: boolean }> {
    const envelope = this.#envelope();
    const dataKey = await this.#dataKeyFromPassphrase(envelope, passphrase);
    try {
      const copy = envelope.wraps.recovery.copy;
      const code = copy
        ? unwrapKey(copy, dataKey, wrapLabel(envelope, 'recovery-copy'), RECOVERY_CODE_BYTES)
        : null;
      if (code) {
        try {
          return { recoveryCode: formatRecoveryCode(code), renewed: false };
        } finally {
          code.fill(0);
        }
      }
      const fresh = newRecoveryCode();
      try {
        const recovery = sealedRecovery(envelope, dataKey, fresh.bytes, newHkdfParams());
        writeEnvelope(this.path, { ...envelope, wraps: { ...envelope.wraps, recovery } });
        return { recoveryCode: fresh.code, renewed: true };
      } finally {
        fresh.bytes.fill(0);
      }
    } finally {
      dataKey.fill(0);
    }
  }

  /** Whether this computer's keychain can unlock the vault now, and whether it is turned on. */
  async keychainState(): Promise<KeychainState> {
    const availability = await keychainAvailability(this.#keychain);
    const wrap = this.state === 'absent' ? null : this.#envelope().wraps.keychain;
    return { ...availability, enabled: wrap !== null, enabledBackend: wrap?.backend ?? null };
  }

  /**
   * Lets this computer's keychain unlock the vault: a third wrap of the data key, by the keychain,
   * beside the passphrase's and the recovery code's. The passphrase is asked for: whoever finds
   * the vault open must not be able to make it open itself from then on.
   */
  async useKeychain(passphrase: string): Promise<void> {
    const availability = await keychainAvailability(this.#keychain);
    if (!availability.usable || !this.#keychain) throw keychainRefusal(availability);
    const envelope = this.#envelope();
    const dataKey = await this.#dataKeyFromPassphrase(envelope, passphrase);
    let blob: Buffer;
    try {
      // safeStorage takes only strings, so the key passes as hex text it cannot wipe afterwards.
      blob = await this.#keychain.encryptString(keychainSecret(envelope.vaultId, dataKey));
    } catch (error) {
      throw new VaultError('keychain-unavailable', undefined, { cause: error });
    } finally {
      dataKey.fill(0);
    }
    const keychain = { backend: availability.backend, blob: blob.toString('base64') };
    writeEnvelope(this.path, { ...envelope, wraps: { ...envelope.wraps, keychain } });
  }

  /** Removes the keychain's wrap: from then on only the passphrase and the recovery code unlock. */
  stopUsingKeychain(): void {
    const envelope = this.#envelope();
    if (envelope.wraps.keychain === null) return;
    writeEnvelope(this.path, { ...envelope, wraps: { ...envelope.wraps, keychain: null } });
  }

  /**
   * Unlocks with the keychain's wrap, only through the store that made it: a different one (a
   * Linux desktop now without its secret service, falling back to `basic_text`) is refused, and so
   * is a weak or unknown one, so the key is never read back through something weaker.
   */
  async unlockWithKeychain(): Promise<void> {
    if (this.#db) return;
    const envelope = this.#envelope();
    const wrap = envelope.wraps.keychain;
    if (!wrap)
      throw new VaultError(
        'keychain-unavailable',
        'Unlocking with this computer’s keychain is not turned on.',
      );
    const availability = await keychainAvailability(this.#keychain);
    if (!availability.usable || !this.#keychain) throw keychainRefusal(availability);
    if (availability.backend !== wrap.backend) throw new VaultError('keychain-changed');
    let secret: string;
    try {
      secret = await this.#keychain.decryptString(Buffer.from(wrap.blob, 'base64'));
    } catch (error) {
      throw new VaultError('keychain-unavailable', 'The keychain did not give the vault’s key back.', {
        cause: error,
      });
    }
    const dataKey = dataKeyFromKeychain(envelope.vaultId, secret);
    if (!dataKey) throw new VaultError('key-file-damaged');
    this.#open(dataKey);
    await this.#readersOpening;
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

  async #dataKeyFromPassphrase(envelope: KeyEnvelope, passphrase: string): Promise<Buffer> {
    ensureWrapIntact(envelope, 'passphrase');
    const key = await derivePassphraseKey(passphrase, envelope.wraps.passphrase.kdf);
    const dataKey = unwrapKey(envelope.wraps.passphrase.key, key, wrapLabel(envelope, 'passphrase'));
    key.fill(0);
    if (!dataKey) throw new VaultError('wrong-passphrase');
    return dataKey;
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

/** The recovery wrap for `code`: the data key wrapped by it, and the code sealed by the data key. */
function sealedRecovery(
  envelope: KeyEnvelope,
  dataKey: Buffer,
  code: Buffer,
  kdf: HkdfParams,
): KeyEnvelope['wraps']['recovery'] {
  const recoveryKey = deriveRecoveryKey(code, kdf);
  try {
    const key = wrapKey(dataKey, recoveryKey, wrapLabel(envelope, 'recovery'));
    return { kdf, key, copy: wrapKey(code, dataKey, wrapLabel(envelope, 'recovery-copy')) };
  } finally {
    recoveryKey.fill(0);
  }
}

/** The recovery wrap as it is, with the code sealed beside it. */
function sealedCopy(envelope: KeyEnvelope, dataKey: Buffer, code: Buffer): KeyEnvelope['wraps']['recovery'] {
  const { check: _check, ...recovery } = envelope.wraps.recovery;
  return { ...recovery, copy: wrapKey(code, dataKey, wrapLabel(envelope, 'recovery-copy')) };
}

function keychainRefusal(availability: KeychainAvailability): VaultError {
  if (!availability.usable && availability.reason === 'weak-backend')
    return new VaultError(
      'keychain-unavailable',
      'This computer has no secure password store (such as GNOME Keyring or KWallet) for PHR Vault to use.',
    );
  return new VaultError('keychain-unavailable');
}
