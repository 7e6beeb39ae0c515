import { describe, expect, it } from 'vitest';
import {
  introspectedDefault,
  normalizeDefault,
  normalizeType,
  sameDefault,
} from './normalize-sql.ts';

describe('normalizing the engines’ spellings', () => {
  it('reads PostgreSQL type names as the models write them', () => {
    expect(normalizeType('postgres', 'timestamp with time zone')).toBe('timestamptz');
    expect(normalizeType('postgres', 'numeric(78, 0)')).toBe('numeric(78,0)');
    expect(normalizeType('postgres', 'int4')).toBe('integer');
    expect(normalizeType('postgres', 'character varying(20)')).toBe('varchar(20)');
    expect(normalizeType('sqlite', 'TEXT')).toBe('text');
  });

  it('strips PostgreSQL casts and SQLite parentheses from defaults, and nothing inside quotes', () => {
    expect(normalizeDefault('postgres', "'pending'::text")).toBe("'pending'");
    expect(normalizeDefault('postgres', "'a::b'::character varying")).toBe("'a::b'");
    expect(normalizeDefault('postgres', 'CURRENT_TIMESTAMP')).toBe('now()');
    expect(normalizeDefault('sqlite', "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))")).toBe(
      "strftime('%Y-%m-%dT%H:%M:%fZ','now')",
    );
    expect(normalizeDefault('sqlite', '(1) + (2)')).toBe('(1)+(2)');
    expect(normalizeDefault('sqlite', 'TRUE')).toBe('1');
  });

  it('takes a quoted number and the bare number for the same default', () => {
    const pg = (text: string) => introspectedDefault('postgres', text);
    expect(sameDefault(pg("'-1'::integer"), pg('-1'))).toBe(true);
    expect(sameDefault(pg("'0'::numeric"), pg('0'))).toBe(true);
    expect(sameDefault(pg("'x'::text"), pg("'y'::text"))).toBe(false);
    expect(pg("'it''s'::text").value).toEqual({ kind: 'literal', value: "it's" });
    expect(pg('now()').value).toEqual({ kind: 'now' });
    expect(pg('gen_random_uuid()').value).toBeUndefined();
  });
});
