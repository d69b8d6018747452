import { isK8sName } from '../attestation/k8s-names';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import * as v from 'valibot';
import { Construct, Lazy, TerraformStack } from '../internal/cdktf';
import { ConstructValidationError, strictObject, parseProps, str } from '../internal/validation';

/** The namespace confidential workloads use when given none. */
export const DEFAULT_WORKLOAD_NAMESPACE = 'confidential-ai';

/** Props of WorkloadNamespace. */
export interface WorkloadNamespaceProps {
  /**
   * Namespace name (known at synth time: it is part of each workload's identity).
   * @default 'confidential-ai'
   */
  readonly name?: string;
}

/** The schema of WorkloadNamespaceProps. */
export const workloadNamespaceSchema = strictObject({
  name: v.optional(
    v.pipe(
      str(),
      v.check((s) => isK8sName(s), 'must be a Kubernetes namespace name'),
    ),
    DEFAULT_WORKLOAD_NAMESPACE,
  ),
});

/**
 * A namespace for confidential workloads, with the `restricted` pod security level enforced (`privileged` once a
 * workload in it has an ingress filter, which needs NET_ADMIN; `restricted` then stays the warning level).
 *
 * Workloads given no namespace use `confidential-ai` and create it (see `WorkloadNamespace.defaultOf`); a
 * namespace given by name is taken to exist already.
 */
export class WorkloadNamespace extends Construct {
  /**
   * The stack's `confidential-ai` WorkloadNamespace: the one already in the stack, or a new one at the stack's
   * root (id `ConfidentialAiNamespace`). Workloads given no namespace use it.
   */
  public static defaultOf(scope: Construct): WorkloadNamespace {
    const stack = TerraformStack.of(scope);
    const existing = stack.node
      .findAll()
      .find((c): c is WorkloadNamespace => c instanceof WorkloadNamespace && c.namespaceName === DEFAULT_WORKLOAD_NAMESPACE);
    return existing ?? new WorkloadNamespace(stack, 'ConfidentialAiNamespace');
  }

  /** The namespace (escape hatch). */
  public readonly resource: NamespaceV1;
  /** The namespace name, a literal. */
  public readonly namespaceName: string;
  private ingressFilters = false;

  constructor(scope: Construct, id: string, props: WorkloadNamespaceProps = {}) {
    super(scope, id);
    const p = parseProps(this, 'WorkloadNamespace', workloadNamespaceSchema, props);
    const twin = TerraformStack.of(this)
      .node.findAll()
      .find((c): c is WorkloadNamespace => c !== this && c instanceof WorkloadNamespace && c.namespaceName === p.name);
    if (twin) {
      const hint =
        twin.node.id === 'ConfidentialAiNamespace'
          ? 'a workload given no namespace created it first; create this WorkloadNamespace before the workloads, or pass the existing one'
          : 'pass that one to the workloads instead';
      throw new ConstructValidationError(
        this.node.path,
        'WorkloadNamespace',
        'name',
        `"${p.name}" is already created by ${twin.node.path} in this stack; ${hint}`,
      );
    }
    this.namespaceName = p.name;
    this.resource = new NamespaceV1(this, 'Resource', {
      metadata: {
        name: p.name,
        labels: {
          'pod-security.kubernetes.io/enforce': Lazy.stringValue({ produce: () => (this.ingressFilters ? 'privileged' : 'restricted') }),
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': 'latest',
        },
      },
    });
  }

  /**
   * Lets the namespace admit the ingress filter of its TLS workloads (a container with NET_ADMIN, which Pod
   * Security admits at the `privileged` level only): enforce becomes `privileged`, and `restricted` stays as the
   * warning level. Admission is the cluster admin's to change anyway; what pins a confidential pod, the filter
   * included, is its agent policy. ConfidentialWorkload calls it.
   */
  public admitIngressFilter(): void {
    this.ingressFilters = true;
  }
}
