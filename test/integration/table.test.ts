/** The table's typed boundary (functions/platform/table.ts) on a real DynamoDB API (dynalite). */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveStoreIterators, startFundStore, type TestDynamo } from '../support/dynalite.ts';

let dynamo: TestDynamo;
let table: typeof import('../../functions/platform/table.ts');

beforeAll(async () => {
  dynamo = await startFundStore('2024-01-01');
  table = await import('../../functions/platform/table.ts');
});
afterAll(async () => {
  await dynamo?.stop();
});

const thing = () =>
  table.codec(
    'Thing',
    v.object({
      id: v.string(),
      count: v.number(),
      tags: table.stringSet(v.string()),
      note: table.optionalString,
    }),
    ({ tags, ...rest }) => (tags.length > 0 ? { ...rest, tags: new Set(tags) } : rest),
  );
const key = (id: string) => ({ pk: `THING#${id}`, sk: 'THING' });

describe('the table boundary', () => {
  it('puts once: a second put reads back the first record, keys and indexes stripped', async () => {
    const first = await table.putIfNew(
      thing(),
      key('a'),
      { id: 'a', count: 1, tags: [] },
      { gsi1pk: 'X', gsi1sk: 'a' },
    );
    expect(first).toEqual({ created: true, record: { id: 'a', count: 1, tags: [] } });
    const again = await table.putIfNew(thing(), key('a'), { id: 'a', count: 2, tags: ['t'] });
    expect(again.created).toBe(false);
    expect(again.record).toStrictEqual({ id: 'a', count: 1, tags: [] });
  });

  it('updates if the condition holds, else reads the record back; sets come back as arrays', async () => {
    const update = {
      UpdateExpression: 'SET #count = :next ADD tags :tag',
      ConditionExpression: '#count = :expected',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':next': 5, ':expected': 1, ':tag': new Set(['red']) },
    };
    const done = await table.updateIf(thing(), key('a'), update);
    expect(done).toEqual({ updated: true, record: { id: 'a', count: 5, tags: ['red'] } });
    const refused = await table.updateIf(thing(), key('a'), update);
    expect(refused).toEqual({ updated: false, record: { id: 'a', count: 5, tags: ['red'] } });
    expect(await table.updateIf(thing(), key('missing'), update)).toEqual({
      updated: false,
      record: undefined,
    });
  });

  it('updateOnce: true for the first caller only', async () => {
    const once = {
      UpdateExpression: 'SET note = :n',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(note)',
      ExpressionAttributeValues: { ':n': 'hi' },
    };
    expect(await table.updateOnce(key('a'), once)).toBe(true);
    expect(await table.updateOnce(key('a'), once)).toBe(false);
  });

  it('a missing item is a named error; a malformed one too, naming the field', async () => {
    await expect(table.mustGet(thing(), key('nothing'), 'nothing')).rejects.toMatchObject({
      name: 'Thing.NotFound',
    });
    await table.putIfNew(table.codec('Loose', v.object({ id: v.string() })), key('bad'), { id: 'bad' });
    await expect(table.mustGet(thing(), key('bad'), 'bad')).rejects.toMatchObject({
      name: 'Thing.Malformed',
      message: expect.stringContaining('count'),
    });
  });

  it('reads every page of a query, and many items by key beyond one batch', async () => {
    for (let i = 0; i < 130; i += 1)
      await table.putIfNew(
        thing(),
        { pk: 'MANY', sk: `N#${String(i).padStart(3, '0')}` },
        { id: `n${i}`, count: i, tags: [] },
      );
    const all = await table.queryAll(thing().decode, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'MANY' },
      Limit: 50,
    });
    expect(all.map((t) => t.count)).toEqual(Array.from({ length: 130 }, (_, i) => i));
    const many = await table.getMany(
      thing(),
      Array.from({ length: 130 }, (_, i) => ({ pk: 'MANY', sk: `N#${String(i).padStart(3, '0')}` })),
    );
    expect(many.map((t) => t.count).sort((a, b) => a - b)).toEqual(all.map((t) => t.count));
  });

  it('leaves no store iterator open after queries and scans (dynalite 4 as published closed none)', async () => {
    for (let i = 0; i < 5; i += 1)
      await table.putIfNew(thing(), { pk: 'FEW', sk: `F#${i}` }, { id: `f${i}`, count: i, tags: [] });
    const before = liveStoreIterators();
    for (let i = 0; i < 20; i += 1) {
      // Read to the end, and stopped early by a Limit.
      const page = await table.queryPage(thing().decode, {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'FEW' },
        Limit: i % 2 === 0 ? 2 : 10,
      });
      expect(page.items.length).toBe(i % 2 === 0 ? 2 : 5);
    }
    for (let i = 0; i < 10; i += 1)
      await dynamo.client.send(new ScanCommand({ TableName: 'fund', Limit: 3 }));
    expect(liveStoreIterators() - before).toBeLessThan(3);
  });
});
