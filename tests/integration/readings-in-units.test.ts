import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultService } from '../../electron/core/api.js';
import { systemUnits } from '../../electron/core/records/units.js';
import type { CoreChannel, RequestOf } from '../../shared/ipc/contract.js';
import { imported } from '../../testkit/chosen-files.js';
import { PASSPHRASE, call as callOn, newVaultService } from '../support/connected-vault.js';
import { fixtures } from '../support/temp-dir.js';

/**
 * HL7's example Discharge Summary (C-CDA, public): a weight of 86 kg its source calls normal, and
 * a blood pressure of 80/55 it calls low. Rows say which way a result is out, and the weight reads
 * in the units the person chose, everywhere it is shown.
 */
describe('results flagged and read in the person’s units', () => {
  let service: VaultService;
  let owner: number;
  const call = <C extends CoreChannel>(channel: C, request?: RequestOf<C>) =>
    callOn(service, channel, request);
  const rows = async () => (await call('timeline.page', { personId: owner, limit: 200 })).entries;
  const weightRow = async () => (await rows()).find((e) => e.title === 'Patient Body Weight - Measured');

  beforeAll(async () => {
    ({ service } = await newVaultService());
    owner = (await call('persons.list'))[0]!.id;
    const answer = await imported(service, `${fixtures}cda-documents/Discharge_Summary.xml`, owner);
    expect(answer.format).toBe('ccda');
  });
  afterAll(() => service.close());

  it('says on the timeline’s rows which way a result is out, as its source interpreted it', async () => {
    const entries = await rows();
    const systolic = entries.find((e) => e.title === 'Systolic blood pressure');
    const diastolic = entries.find((e) => e.title === 'Diastolic blood pressure');
    expect(systolic).toMatchObject({ value: '80 mmHg', flag: 'low', abnormal: true });
    expect(diastolic).toMatchObject({ value: '55 mmHg', flag: 'low' });
    // "Normal" from the source: no flag.
    expect(await weightRow()).toMatchObject({ flag: null, abnormal: false });
  });

  it('follows the computer’s region until the person chooses, then keeps the choice in the vault', async () => {
    expect(await call('settings.units')).toEqual({ units: systemUnits(), chosen: false });
    expect(await call('settings.setUnits', { units: 'us' })).toEqual({ units: 'us', chosen: true });
    expect(await call('settings.units')).toEqual({ units: 'us', chosen: true });
    await call('vault.lock');
    await call('vault.unlock', { passphrase: PASSPHRASE });
    expect(await call('settings.units')).toEqual({ units: 'us', chosen: true });
    await expect(service.dispatch('settings.setUnits', { units: 'imperial' })).resolves.toMatchObject({
      ok: false,
      error: { kind: 'invalid-request' },
    });
  });

  it('reads a weight in pounds on the timeline, in search, in its detail, the Summary and the trend', async () => {
    await call('settings.setUnits', { units: 'us' });
    const weight = await weightRow();
    expect(weight).toMatchObject({ value: '189.6 lb', unit: 'lb' });
    const found = await call('timeline.search', { personId: owner, query: 'weight' });
    expect(found.entries.find((e) => e.id === weight!.id)).toMatchObject({ value: '189.6 lb' });
    const detail = await call('records.get', { id: weight!.id });
    expect(detail.entry).toMatchObject({ value: '189.6 lb' });
    // The detail's bar in pounds too, with what the source sent beside it.
    expect(detail.result).toMatchObject({ unit: 'lb', value: expect.closeTo(189.5975, 3) as number });
    expect(detail.facts).toContainEqual({ kind: 'words', label: 'As sent', words: '86 kg' });
    const summary = await call('summary.get', { personId: owner });
    expect(summary.vitals.find((e) => e.id === weight!.id)).toMatchObject({ value: '189.6 lb' });
    const [series] = await call('trends.series', { personId: owner, code: '3141-9' });
    expect(series!.points[0]).toMatchObject({ unit: 'lb', value: expect.closeTo(189.5975, 3) as number });
    const choices = await call('trends.choices', { personId: owner });
    expect(choices.find((c) => c.code === '3141-9')).toMatchObject({ unit: 'lb' });
    // Blood pressure has no other units: as its source sent it.
    expect((await rows()).find((e) => e.title === 'Systolic blood pressure')).toMatchObject({
      value: '80 mmHg',
    });

    await call('settings.setUnits', { units: 'metric' });
    expect(await weightRow()).toMatchObject({ value: '86 kg', unit: 'kg' });
    const asSent = await call('records.get', { id: weight!.id });
    expect(asSent.result).toMatchObject({ unit: 'kg', value: 86 });
    expect(asSent.facts.map((f) => f.label)).not.toContain('As sent');
    // The record itself keeps what its source sent.
    const raw = service.vault.db
      .prepare('SELECT value_text FROM resources WHERE id = ?')
      .pluck()
      .get(weight!.id);
    expect(raw).toBe('86 kg');
  });
});
