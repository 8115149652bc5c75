/**
 * The one table's typed boundary. Each stored entity has a codec: its schema checks an item read back
 * and keeps only the record's fields (keys, index attributes and `type` dropped, sets as arrays), so
 * no raw item leaves the data modules. Every conditional write goes through `putIfNew` or `updateIf`,
 * which read the item back when the condition fails; a missing item becomes a named error.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { documents } from './dynamodb.ts';
import { WorkflowError } from './errors.ts';
import { fundTable, type ItemKey } from './keys.ts';

export type Item = Record<string, unknown>;

export interface Codec<R> {
  /** The entity's name, stored as `type` and used in error names (`Proposal.NotFound`). */
  readonly type: string;
  decode(item: Item): R;
  /** The stored attributes of a record (keys and indexes aside): sets back as sets, empty ones left out. */
  encode(record: R): Item;
}

/**
 * A codec from a valibot object schema; `encode` defaults to the record as it is. valibot's `object`
 * drops every entry it does not name, which is what strips keys and index attributes.
 */
export function codec<S extends v.GenericSchema<unknown, Item>>(
  type: string,
  schema: S,
  encode: (record: v.InferOutput<S>) => Item = (record) => record,
): Codec<v.InferOutput<S>> {
  return {
    type,
    encode,
    decode(item) {
      const result = v.safeParse(schema, item);
      if (!result.success) {
        const where = result.issues.map((issue) => `${v.getDotPath(issue) ?? ''}: ${issue.message}`);
        throw new WorkflowError(`${type}.Malformed`, `A stored ${type} is malformed: ${where.join('; ')}`);
      }
      return result.output;
    },
  };
}

/** A string set as DynamoDB returns it (a Set; absent when empty), as an array. */
export const stringSet = <T extends string>(member: v.GenericSchema<string, T>) =>
  v.optional(
    v.pipe(
      v.union([v.array(member), v.set(member)]),
      v.transform((values): T[] => [...values]),
    ),
    () => [],
  );

/** An optional string stored as null when cleared (`SET #comment = :null`), read as absent. */
export const optionalString = v.pipe(
  v.nullish(v.string()),
  v.transform((value) => value ?? undefined),
);

export const notFound = (type: string, id: string) =>
  new WorkflowError(`${type}.NotFound`, `No ${type} ${id}`);

export async function getItem<R>(c: Codec<R>, key: ItemKey): Promise<R | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: fundTable(), Key: key, ConsistentRead: true }),
  );
  return Item ? c.decode(Item) : undefined;
}

/** The item, or `{type}.NotFound` naming `id` (never a record typed as present that is not). */
export async function mustGet<R>(c: Codec<R>, key: ItemKey, id: string): Promise<R> {
  const record = await getItem(c, key);
  if (record === undefined) throw notFound(c.type, id);
  return record;
}

/**
 * Stores `record` under `key` unless an item is there already (a re-run): then that item is read
 * back and returned with `created: false`. `indexes`: the item's index attributes.
 */
export async function putIfNew<R>(
  c: Codec<R>,
  key: ItemKey,
  record: R,
  indexes: Item = {},
): Promise<{ created: boolean; record: R }> {
  if (await putIf(c, key, record, { ConditionExpression: 'attribute_not_exists(pk)' }, indexes))
    return { created: true, record };
  return { created: false, record: await mustGet(c, key, key.pk) };
}

type Condition = Pick<
  PutCommandInput,
  'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
>;

/** Stores `record` under `key` if `condition` holds; `false` when it did not (nothing read back). */
export function putIf<R>(
  c: Codec<R>,
  key: ItemKey,
  record: R,
  condition: Condition,
  indexes: Item = {},
): Promise<boolean> {
  return conditionally(
    new PutCommand({
      TableName: fundTable(),
      Item: { ...key, type: c.type, ...indexes, ...c.encode(record) },
      ...condition,
    }),
  );
}

type Update = Omit<UpdateCommandInput, 'TableName' | 'Key' | 'ReturnValues'>;

/**
 * One conditional update. `updated: true` with the record as written; else the record as it is,
 * read back (undefined when there is no such item), for the caller to tell a re-run from a refusal.
 */
export async function updateIf<R>(
  c: Codec<R>,
  key: ItemKey,
  update: Update,
): Promise<{ updated: true; record: R } | { updated: false; record: R | undefined }> {
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({ TableName: fundTable(), Key: key, ReturnValues: 'ALL_NEW', ...update }),
    );
    if (!Attributes) throw notFound(c.type, key.pk);
    return { updated: true, record: c.decode(Attributes) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { updated: false, record: await getItem(c, key) };
  }
}

/**
 * One conditional update answering the item as it was just before it (`before` undefined: there was
 * none), so a caller that must read the item as it changes it needs no second request; `updated:
 * false` when the condition failed (nothing read back).
 */
export async function updateFromOld<R>(
  c: Codec<R>,
  key: ItemKey,
  update: Update,
): Promise<{ updated: true; before: R | undefined } | { updated: false }> {
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({ TableName: fundTable(), Key: key, ReturnValues: 'ALL_OLD', ...update }),
    );
    return { updated: true, before: Attributes ? c.decode(Attributes) : undefined };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { updated: false };
  }
}

/** The record a write read back after losing its condition: only an item never made is missing. */
export function present<R>(c: Codec<R>, result: { record: R | undefined }, id: string): R {
  if (result.record === undefined) throw notFound(c.type, id);
  return result.record;
}

/** An update of an item that must be there (`{type}.NotFound` naming `id` when it is not). */
export async function updateExisting<R>(
  c: Codec<R>,
  key: ItemKey,
  update: Omit<Update, 'ConditionExpression'>,
  id: string,
): Promise<void> {
  if (!(await updateOnce(key, { ...update, ConditionExpression: 'attribute_exists(pk)' })))
    throw notFound(c.type, id);
}

/** Sets `attribute` of an existing item to `value` unless it is set: `true` only for the first caller. */
export function setOnce(key: ItemKey, attribute: string, value: unknown): Promise<boolean> {
  return updateOnce(key, {
    UpdateExpression: 'SET #attribute = :value',
    ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#attribute)',
    ExpressionAttributeNames: { '#attribute': attribute },
    ExpressionAttributeValues: { ':value': value },
  });
}

/** One conditional update whose only news is whether it happened (first caller wins, no read back). */
export function updateOnce(key: ItemKey, update: Update): Promise<boolean> {
  return conditionally(new UpdateCommand({ TableName: fundTable(), Key: key, ...update }));
}

/** Deletes the item under `key` if `condition` holds; `false` when it did not. */
export function deleteIf(key: ItemKey, condition: Condition): Promise<boolean> {
  return conditionally(new DeleteCommand({ TableName: fundTable(), Key: key, ...condition }));
}

/** An item's primary key, from an item or a keys-only projection. */
export const keyOf = (item: Item): ItemKey => v.parse(v.object({ pk: v.string(), sk: v.string() }), item);

/** Sends a conditional write; `false` when its condition failed, any other error thrown. */
async function conditionally(command: PutCommand | UpdateCommand | DeleteCommand): Promise<boolean> {
  try {
    if (command instanceof PutCommand) await documents.send(command);
    else if (command instanceof UpdateCommand) await documents.send(command);
    else await documents.send(command);
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

type Query = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>;

/** One page of a query, decoded; `lastKey` as DynamoDB gives it (present whenever the page is full). */
export async function queryPage<R>(
  decode: (item: Item) => R,
  query: Query,
  startKey?: Item,
): Promise<{ items: R[]; lastKey: Item | undefined }> {
  const page = await documents.send(
    new QueryCommand({ TableName: fundTable(), ...query, ExclusiveStartKey: startKey }),
  );
  return { items: (page.Items ?? []).map(decode), lastKey: page.LastEvaluatedKey };
}

/** A query's items page after page, decoded, from `startKey` on. */
export async function* queryPages<R>(
  decode: (item: Item) => R,
  query: Query,
  startKey?: Item,
): AsyncGenerator<R[]> {
  let key = startKey;
  do {
    const page = await queryPage(decode, query, key);
    yield page.items;
    key = page.lastKey;
  } while (key);
}

/** Every item a query finds, page after page (for partitions known to stay small). */
export async function queryAll<R>(decode: (item: Item) => R, query: Query): Promise<R[]> {
  const items: R[] = [];
  for await (const page of queryPages(decode, query)) items.push(...page);
  return items;
}

/**
 * Up to `limit` items of a (filtered) query from `startKey`, reading on while pages come back short.
 * `lastKey` only when more items follow: DynamoDB hands back a key whenever a page is full, even at
 * the very end, so it looks ahead before offering a cursor.
 */
export async function queryUpTo<R>(
  decode: (item: Item) => R,
  query: Omit<Query, 'Limit'>,
  limit: number,
  startKey?: Item,
): Promise<{ items: R[]; lastKey?: Item }> {
  const items: R[] = [];
  let key = startKey;
  do {
    const page = await queryPage(decode, { ...query, Limit: limit - items.length }, key);
    items.push(...page.items);
    key = page.lastKey;
  } while (key && items.length < limit);
  for (let probe = key; probe; ) {
    const ahead = await queryPage(decode, { ...query, Limit: 25 }, probe);
    if (ahead.items.length > 0) return { items, lastKey: key };
    probe = ahead.lastKey;
  }
  return { items };
}

/** The items at `keys` (any number), decoded, in no particular order; missing ones left out. */
export async function getMany<R>(c: Codec<R>, keys: ItemKey[], projection?: string): Promise<R[]> {
  const records: R[] = [];
  for (let start = 0; start < keys.length; start += 100) {
    let batch: Item[] = keys.slice(start, start + 100);
    while (batch.length > 0) {
      const { Responses, UnprocessedKeys } = await documents.send(
        new BatchGetCommand({
          RequestItems: {
            [fundTable()]: { Keys: batch, ConsistentRead: true, ProjectionExpression: projection },
          },
        }),
      );
      records.push(...(Responses?.[fundTable()] ?? []).map((item) => c.decode(item)));
      batch = UnprocessedKeys?.[fundTable()]?.Keys ?? [];
    }
  }
  return records;
}
