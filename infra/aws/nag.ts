import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag finding on a construct and everything under it, with the reason.
 *
 * cdk-nag 3 has no `NagSuppressions`: it reads CDK's own acknowledgements
 * (`Validations.of(x).acknowledge`) on the violating resource or any of its ancestors. A finding
 * with a detail (e.g. `AwsSolutions-IAM5[Resource::*]`) must be acknowledged with that detail.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * How cdk-nag writes a resource in a finding such as `AwsSolutions-IAM5[Resource::...]`:
 * `Ref`s and `Fn::GetAtt`s become `<Name>` and `<LogicalId.Attribute>`, joins are flattened.
 */
export function nagResourceName(scope: IConstruct, value: string): string {
  const visit = (node: unknown): string => {
    if (node === undefined) return '';
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    if (typeof node === 'object' && node !== null) {
      const object = node as Record<string, unknown>;
      if (object['Fn::Join']) {
        const [delimiter, items] = object['Fn::Join'] as [string, unknown[]];
        return items.map(visit).join(delimiter);
      }
      if (object['Fn::Sub']) return visit(object['Fn::Sub']);
      if (object['Fn::GetAtt']) {
        const [resource, attribute] = object['Fn::GetAtt'] as [unknown, unknown];
        return `<${visit(resource)}.${visit(attribute)}>`;
      }
      if (object['Fn::ImportValue']) return visit(object['Fn::ImportValue']);
      if (object.Ref) return `<${visit(object.Ref)}>`;
    }
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(value));
}
