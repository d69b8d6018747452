import { check, show } from './errors';
import { ATTESTATION_POLICY_ID } from './attestation-policy';
import { ResourcePath } from './resource-path';

/** Storage namespaces of Trustee v0.21.0 (one directory each under the LocalFs `dir_path`). */
export const KBS_NAMESPACES = {
  /** KBS itself: the resource policy. */
  kbs: 'kbs',
  /** The resource plugin's secrets. */
  repository: 'repository',
  /** Attestation policies of the built-in attestation service. */
  attestationPolicy: 'attestation_service_policy',
  /** Reference values of the built-in RVPS. */
  referenceValue: 'reference_value',
} as const;

/** A file of Trustee's LocalFs backend: `<dir_path>/<namespace>/<fileName>`. */
export interface LocalFsEntry {
  /** The namespace directory. */
  readonly namespace: string;
  /** The file name inside it (the storage key with every "/" written as the four characters `\x2F`). */
  readonly fileName: string;
  /** `namespace/fileName`. */
  readonly relativePath: string;
}

const VALID_KEY = /^[A-Za-z0-9._/-]+$/;

/** The file name LocalFs uses for `key`: every "/" becomes the literal four characters `\x2F`. */
export function localFsFileName(key: string): string {
  check(typeof key === 'string' && VALID_KEY.test(key), 'key', `must contain only letters, digits, ".", "_", "-" and "/", got ${show(key)}`);
  return key.replace(/\//g, '\\x2F');
}

function entry(namespace: string, key: string): LocalFsEntry {
  const fileName = localFsFileName(key);
  return { namespace, fileName, relativePath: `${namespace}/${fileName}` };
}

/**
 * Where Trustee's LocalFs backend keeps each object, so a deployment can seed them as files. Trustee reads
 * flat files only: a nested directory (what a Kubernetes volume of `repo/type/tag` keys would create) is
 * not found.
 */
export const kbsLocalFsLayout = {
  /** The KBS resource policy. */
  resourcePolicy: (): LocalFsEntry => entry(KBS_NAMESPACES.kbs, 'resource-policy.rego'),
  /** An attestation policy (`default_cpu` for CPU evidence). */
  attestationPolicy: (policyId: string = ATTESTATION_POLICY_ID): LocalFsEntry => entry(KBS_NAMESPACES.attestationPolicy, `${policyId}.rego`),
  /** One reference value record (the record JSON). */
  referenceValue: (name: string): LocalFsEntry => entry(KBS_NAMESPACES.referenceValue, name),
  /** One resource's bytes. */
  resource: (resource: ResourcePath): LocalFsEntry => entry(KBS_NAMESPACES.repository, resource.path),
};
