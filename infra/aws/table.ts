import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { leadingKeysCondition, TABLE_READ_ACTIONS, TABLE_WRITE_ACTIONS } from '../permissions.ts';
import type { TableAccess, TableSpec } from '../system.ts';

export interface SystemTableProps {
  /** The table's name in the system description (`Fund`, ...). */
  name: string;
  spec: TableSpec;
  removalPolicy?: RemovalPolicy;
}

/** One DynamoDB table of the system description: keys and indexes exactly as described. */
export class SystemTable extends Construct {
  readonly name: string;
  readonly spec: TableSpec;
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: SystemTableProps) {
    super(scope, id);
    this.name = props.name;
    this.spec = props.spec;
    const attribute = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: attribute(props.spec.partitionKey),
      ...(props.spec.sortKey ? { sortKey: attribute(props.spec.sortKey) } : {}),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      ...(props.spec.timeToLiveAttribute ? { timeToLiveAttribute: props.spec.timeToLiveAttribute } : {}),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    for (const index of props.spec.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /**
   * Item-level access, on this table and its indexes named one by one (no `index/*` wildcard).
   * Transactions need no extra action: DynamoDB authorizes each item of a transaction by its
   * PutItem/UpdateItem/DeleteItem/ConditionCheckItem/GetItem action.
   */
  grantAccess(grantee: iam.IGrantable, access: TableAccess, writesOnly?: readonly string[]): void {
    const indexArns = this.spec.indexes.map((index) => `${this.table.tableArn}/index/${index.name}`);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...TABLE_READ_ACTIONS],
        resources: [this.table.tableArn, ...indexArns],
      }),
    );
    if (access === 'readWrite') {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [...TABLE_WRITE_ACTIONS],
          resources: [this.table.tableArn],
          // Only items whose partition key matches: every key a write touches must (ForAllValues).
          // The very condition infra/permissions.ts derives, which the local cloud evaluates.
          ...(writesOnly ? { conditions: leadingKeysCondition(writesOnly) } : {}),
        }),
      );
    }
  }
}
