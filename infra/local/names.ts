/** Names and ARNs the local cloud gives resources, shaped as AWS shapes them. */
export const REGION = 'eu-west-3';
export const ACCOUNT_ID = '000000000000';

export function resourceName(logical: string): string {
  return `jif-${logical}`;
}

export function functionArn(logical: string): string {
  return `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${resourceName(logical)}`;
}

export function stateMachineArn(logical: string): string {
  return `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:${resourceName(logical)}`;
}

export function tableName(logical: string): string {
  return resourceName(logical);
}
