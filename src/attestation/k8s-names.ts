/** An RFC 1123 label: what Kubernetes accepts as a namespace, Deployment, Service, container or volume name. */
export const K8S_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** True when `name` is a Kubernetes name (RFC 1123 label: 1-63 lowercase letters, digits and "-"). */
export function isK8sName(name: unknown): name is string {
  return typeof name === 'string' && K8S_NAME.test(name);
}
