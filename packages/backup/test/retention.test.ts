import { describe, expect, it } from '@jest/globals';
import { planRetention, type RetentionPolicy } from '../src/retention.js';
import type { CatalogEntry } from '../src/catalog.js';

const now = new Date('2026-06-30T12:00:00Z');
const day = 86_400_000;
function entry(daysAgo: number, suffix = 'aaaaaa', lastModifiedDaysAgo = daysAgo): CatalogEntry {
  const t = new Date(now.getTime() - daysAgo * day);
  const id = `${t
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')}-${suffix}`;
  return {
    id,
    startedAt: new Date(Math.floor(t.getTime() / 1000) * 1000),
    objects: [],
    hasManifest: true,
    lastModified: new Date(now.getTime() - lastModifiedDaysAgo * day),
    sizeBytes: 100,
  };
}
const policy: RetentionPolicy = { retentionDays: 30, keepLast: 1, incompleteGraceMs: day };
const deleted = (entries: CatalogEntry[], complete: CatalogEntry[], p = policy) =>
  planRetention(entries, new Set(complete.map((e) => e.id)), p, now)
    .filter((d) => d.action === 'delete')
    .map((d) => d.id)
    .sort();

describe('planRetention', () => {
  it('deletes complete backups older than retention-days and keeps younger ones', () => {
    const e = [entry(1), entry(10), entry(31), entry(45)];
    expect(deleted(e, e)).toEqual([e[2]!.id, e[3]!.id].sort());
  });
  it('keeps the newest complete backup when everything is old', () => {
    const e = [entry(40), entry(50), entry(60)];
    expect(deleted(e, e)).toEqual([e[1]!.id, e[2]!.id].sort());
  });
  it('keeps the keep-last newest whatever their age, and everything when keep-last exceeds the count', () => {
    const e = [entry(40), entry(50), entry(60)];
    expect(deleted(e, e, { ...policy, keepLast: 2 })).toEqual([e[2]!.id]);
    expect(deleted(e, e, { ...policy, keepLast: 10 })).toEqual([]);
  });
  it('never lets an incomplete backup count as the newest or as one of keep-last', () => {
    const incompleteNew = entry(0.1, 'bbbbbb', 0.1);
    const old = [entry(40), entry(50)];
    const all = [incompleteNew, ...old];
    const d = planRetention(all, new Set(old.map((x) => x.id)), policy, now);
    expect(d.find((x) => x.id === old[0]!.id)?.action).toBe('keep');
    expect(d.find((x) => x.id === old[1]!.id)?.action).toBe('delete');
    expect(d.find((x) => x.id === incompleteNew.id)).toMatchObject({ action: 'keep', complete: false });
  });
  it('deletes incomplete backups idle past the grace period, even young ones by age, never recent ones', () => {
    const staleIncomplete = entry(2, 'cccccc', 2);
    const stillWriting = entry(3, 'dddddd', 0.01);
    const good = entry(1);
    const all = [staleIncomplete, stillWriting, good];
    expect(deleted(all, [good])).toEqual([staleIncomplete.id]);
  });
  it('keeps nothing extra when there is no complete backup at all', () => {
    const e = [entry(40, 'eeeeee', 40)];
    expect(deleted(e, [])).toEqual([e[0]!.id]);
  });
});
