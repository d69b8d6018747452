import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { z } from 'zod';
import { Construct } from '../internal/cdktf';
import { parseProps } from '../internal/validation';

/** Props of WorkloadNamespace. */
export interface WorkloadNamespaceProps {
  /**
   * Namespace name (known at synth time: it is part of each workload's identity).
   * @default 'confidential-ai'
   */
  readonly name?: string;
}

/** A namespace for confidential workloads, with the `restricted` pod security level enforced. */
export class WorkloadNamespace extends Construct {
  /** The namespace (escape hatch). */
  public readonly resource: NamespaceV1;
  /** The namespace name, a literal. */
  public readonly namespaceName: string;

  constructor(scope: Construct, id: string, props: WorkloadNamespaceProps = {}) {
    super(scope, id);
    const p = parseProps(
      this,
      'WorkloadNamespace',
      z.object({ name: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a Kubernetes namespace name').default('confidential-ai') }),
      props,
    );
    this.namespaceName = p.name;
    this.resource = new NamespaceV1(this, 'Resource', {
      metadata: { name: p.name, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } },
    });
  }
}
