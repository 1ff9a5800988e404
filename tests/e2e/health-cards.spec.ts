import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import {
  SHC,
  SPEC_ISSUER_NAME,
  signCard,
  specDirectoryText,
  specPayload,
  specPublicKeys,
} from '../../testkit/health-card-issuer.js';
import { expect, test, unlock } from './fixtures.js';

const passphrase = 'harbour lantern copper nine';
const person = 'Johnny Blogs';
const EXAMPLES = `${SHC}spec-examples/`;

/** The same card with other dates, so its doses are not taken for the real card's (likely duplicates). */
function otherDoses(payload: unknown): unknown {
  return JSON.parse(
    JSON.stringify(payload)
      .replace('2021-01-01', '2020-11-02')
      .replace('2021-01-29', '2020-11-30')
      .replace('2022-09-05', '2023-04-17'),
  ) as unknown;
}

/**
 * Three cards for one person: the spec's example card (verified against a directory that lists
 * its issuer), the spec's revoked example (the directory carries the issuer's revocation list),
 * and a card re-signed with a key that is not the issuer's. Their records share the timeline;
 * each says how its card verified.
 */
test('records from health cards say on the timeline whether their card verified, and why not', async ({
  page,
  openVault,
  checkScreen,
}) => {
  const folder = mkdtempSync(join(tmpdir(), 'phr-vault-e2e-cards-'));
  const directory = join(folder, 'issuers.json');
  await writeFile(directory, specDirectoryText({ withRevocations: true }));
  // A key that is not the issuer's, given the issuer's key id: a forgery.
  const { privateKey } = await import('jose').then((jose) =>
    jose.generateKeyPair('ES256', { extractable: true }),
  );
  const forgedKey = {
    ...(await import('jose').then((jose) => jose.exportJWK(privateKey))),
    kid: specPublicKeys()[0]!.kid,
  };
  const forged = join(folder, 'forged.smart-health-card');
  await writeFile(
    forged,
    JSON.stringify({
      verifiableCredential: [
        await signCard(otherDoses(specPayload('01', { nbf: Date.UTC(2024, 2, 5) / 1000 })), forgedKey),
      ],
    }),
  );
  process.env.PHR_VAULT_SHC_DIRECTORY = directory;
  try {
    await openVault({
      passphrase,
      ownerName: person,
      imports: [
        {
          person,
          args: ['--offline'],
          files: [
            `${EXAMPLES}example-00-e-file.smart-health-card`,
            `${EXAMPLES}example-03-e-file.smart-health-card`,
            forged,
          ],
        },
      ],
    });
  } finally {
    delete process.env.PHR_VAULT_SHC_DIRECTORY;
  }
  await unlock(page, passphrase);
  await page.getByRole('button', { name: new RegExp(person) }).click();
  await page.getByRole('tab', { name: 'Timeline' }).click();
  const rows = page.getByRole('list', { name: `Timeline of ${person}` }).locator('li.entry');
  await expect(rows).toHaveCount(3 + 2 + 3);

  const verified = rows.filter({ hasText: `Verified: issued by ${SPEC_ISSUER_NAME}` });
  const revoked = rows.filter({ hasText: 'Not verified: revoked' });
  const forgery = rows.filter({ hasText: 'Not verified: signature does not match' });
  await expect(verified).toHaveCount(3);
  await expect(revoked).toHaveCount(2);
  await expect(forgery).toHaveCount(3);
  await checkScreen('health-cards-timeline');

  // The record says it in full.
  await forgery.first().getByRole('button').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByText('Not verified.')).toBeVisible();
  await expect(
    dialog.getByText(
      'The signature does not match: the card was changed after it was signed, or signed by someone else.',
    ),
  ).toBeVisible();
  await checkScreen('health-cards-record');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await revoked.first().getByRole('button').click();
  await expect(dialog.getByText(`${SPEC_ISSUER_NAME} has revoked this card.`)).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await verified.first().getByRole('button').click();
  await expect(
    dialog.getByText(`Signed by ${SPEC_ISSUER_NAME}, as listed in your issuer directory (issuers.json).`),
  ).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).click();

  await page.setViewportSize({ width: 720, height: 800 });
  await expect(forgery.first()).toBeVisible();
  await checkScreen('health-cards-timeline-narrow');
});
