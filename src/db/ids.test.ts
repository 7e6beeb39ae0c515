import { describe, expect, it } from 'vitest';
import { idFloorAt, isId, newId } from './ids.ts';

describe('newId', () => {
  it('makes version-7 UUIDs that sort in creation order', () => {
    const ids = Array.from({ length: 1000 }, () => newId());
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('idFloorAt', () => {
  it('is at or below every id made from that millisecond on, and above ids made before it', async () => {
    const before = newId();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const time = new Date();
    const after = newId();
    const floor = idFloorAt(time);
    expect(isId(floor)).toBe(true);
    expect(floor <= after).toBe(true);
    expect(floor > before).toBe(true);
  });
});
