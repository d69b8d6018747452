// The props schemas several Kubernetes constructs share: one rule each, one message each.
import * as v from 'valibot';
import { instanceOf, str } from '../internal/validation';
import { isPinnedImage } from '../attestation/image-reference';
import { isK8sName } from '../attestation/k8s-names';
import { ResourceSource } from '../attestation/resource-source';
import { WorkloadNamespace } from './workload-namespace';

/** A Kubernetes name (RFC 1123 label). */
export const k8sName = v.pipe(
  str(),
  v.check((s) => isK8sName(s), 'must be a Kubernetes name (1-63 lowercase letters, digits and "-")'),
);

/** A namespace prop: a WorkloadNamespace, or the name of one that exists. */
export const namespaceSchema = v.union(
  [k8sName, v.instance(WorkloadNamespace, 'must be a WorkloadNamespace')],
  'must be a WorkloadNamespace or a namespace name (1-63 lowercase letters, digits and "-")',
);

/** A ResourceSource prop. */
export const resourceSourceSchema = instanceOf(ResourceSource, 'must be a ResourceSource');

/** An image prop: fully qualified and pinned by digest. */
export const pinnedImageSchema = v.pipe(
  str(),
  v.check(
    (s) => isPinnedImage(s),
    'must be fully qualified and pinned by digest, like "myregistry.azurecr.io/app@sha256:<64 hex>"; ' +
      'a tag can be moved to another image, a digest cannot',
  ),
);
