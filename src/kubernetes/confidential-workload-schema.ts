// The valibot schemas that parse ConfidentialWorkloadProps (confidential-workload-props.ts): internal, not exported.
import * as v from 'valibot';
import { bool, instanceOf, int, list, strictObject, rawCheck, str, stringMap } from '../internal/validation';
import { AgentPolicy } from '../attestation/agent-policy';
import { ImageFacts } from '../attestation/image-facts';
import { Field } from '../attestation/errors';
import { ResourcePath, ResourcePathLike } from '../attestation/resource-path';
import { vmSizeSchema } from '../azure/vm-sizes';
import { ResourceSource } from '../attestation/resource-source';
import { Probe } from './probe';
import { KEY_BROKER } from '../kbs/key-broker';
import { PEER_PODS_RUNTIME } from './peer-pods-runtime';
import { workloadTlsSchema } from './workload-tls';
import { k8sName, namespaceSchema, pinnedImageSchema, resourceSourceSchema } from './prop-schemas';

import { KbsResourceSpec } from './confidential-workload-props';

/** Verified image facts. */
export const imageFactsSchema = v.custom<ImageFacts>(
  (f) => f instanceof ImageFacts,
  'must be ImageFacts.fromDirectory(image, dir) or ImageFacts.verify(...)',
);

/** A Kubernetes memory or storage quantity in bytes, with an optional binary or decimal suffix ("512Mi", "1G"). */
const byteQuantity = (example: string) =>
  v.pipe(str(), v.regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/, `must be a Kubernetes quantity such as "${example}"`));

/** A UID or GID. */
const id = (min: number, message: string, range = `must be a whole number from ${min} to 2147483647`) =>
  v.pipe(v.number(range), v.integer(range), v.minValue(min, message), v.maxValue(2147483647, range));

/** A KBS resource path, as text or parsed. */
const resourcePathSchema = v.union(
  [str(), v.instance(ResourcePath, 'must be a ResourcePath')],
  'must be a KBS resource path ("<repository>/<type>/<tag>") or a ResourcePath',
);

/** A KBS resource, bare or with its source. */
export const kbsResourceSpecSchema = v.union(
  [
    str(),
    v.instance(ResourcePath, 'must be a ResourcePath'),
    strictObject({
      resource: resourcePathSchema,
      source: v.optional(resourceSourceSchema),
    }),
  ],
  'must be a KBS resource path ("<repository>/<type>/<tag>"), a ResourcePath or { resource, source }',
);

/** A KBS resource prop with its path parsed: a bad path fails naming `field` (the prop of the construct given it). */
export function parseResourceSpec(
  spec: ResourcePathLike | KbsResourceSpec,
  field: Field,
): { readonly resource: ResourcePath; readonly source?: ResourceSource } {
  const { resource, source } = typeof spec === 'string' || spec instanceof ResourcePath ? { resource: spec, source: undefined } : spec;
  return { resource: resource instanceof ResourcePath ? resource : ResourcePath.parse(resource, field), ...(source ? { source } : {}) };
}

const probeSchema = instanceOf(Probe, 'must be Probe.fromHttpGet(...) or Probe.fromTcpSocket(...); exec probes are denied by the agent policy');

/** The schema of a ServerProbes prop. */
export const serverProbesSchema = v.optional(
  strictObject({ readiness: v.optional(probeSchema), liveness: v.optional(probeSchema), startup: v.optional(probeSchema) }),
  {},
);

export const replicasSchema = v.optional(int(0, 100), 1);
/** An environment variable name (one rule for env keys and a resource's `env`). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_NAME_RULE = 'is not an environment variable name (letters, digits and "_", not starting with a digit)';

// A record key is checked here, not by the record schema, so the message can say what an env name is.
export const envSchema = v.pipe(
  stringMap(),
  rawCheck((env, report) => {
    for (const name of Object.keys(env)) {
      if (!ENV_NAME.test(name)) {
        report([name], `${JSON.stringify(name)} ${ENV_NAME_RULE}`);
      }
    }
  }),
);

export const containerSchema = strictObject({
  name: k8sName,
  image: pinnedImageSchema,
  imageFacts: v.optional(imageFactsSchema),
  command: v.optional(v.pipe(list(str()), v.minLength(1, 'must name the program to run; omit it to use the image entrypoint'))),
  args: v.optional(list(str())),
  workingDir: v.optional(v.pipe(str(), v.regex(/^\/[^\0]*$/, 'must be an absolute path'))),
  env: v.optional(envSchema),
  ports: v.optional(list(int(1, 65535))),
  resources: v.optional(
    strictObject({ cpu: v.pipe(str(), v.regex(/^\d+(\.\d+)?m?$/, 'must be a CPU quantity such as "500m"')), memory: byteQuantity('2Gi') }),
    { cpu: '250m', memory: '512Mi' },
  ),
  readOnlyRootFilesystem: v.optional(bool(), true),
  runAsUser: v.optional(id(1, 'must not be 0: the namespace enforces non-root pods')),
  runAsGroup: v.optional(id(0, 'must be a GID')),
  readinessProbe: v.optional(probeSchema),
  livenessProbe: v.optional(probeSchema),
  startupProbe: v.optional(probeSchema),
});

/** The parsed ConfidentialWorkload props. */
export type ParsedWorkloadProps = v.InferOutput<typeof workloadSchema>;

/** A peer-pods runtime prop. */
export const runtimeSchema = PEER_PODS_RUNTIME.schema();

/** A KBS prop. */
export const kbsSchema = KEY_BROKER.schema();

/** The schema of ConfidentialWorkloadProps. */
export const workloadSchema = v.pipe(
  strictObject({
    runtime: runtimeSchema,
    kbs: kbsSchema,
    name: k8sName,
    namespace: v.optional(namespaceSchema),
    containers: v.pipe(list(containerSchema), v.minLength(1, 'must have at least one container')),
    initContainers: v.optional(list(containerSchema), []),
    resources: v.optional(
      list(
        v.union(
          [
            str(),
            v.instance(ResourcePath, 'must be a ResourcePath'),
            strictObject({
              resource: resourcePathSchema,
              env: v.optional(
                v.pipe(
                  str(),
                  v.regex(ENV_NAME, `must be an environment variable name: ${ENV_NAME_RULE.replace('is not an environment variable name ', '')}`),
                ),
              ),
            }),
          ],
          'must be a KBS resource path ("<repository>/<type>/<tag>"), a ResourcePath or { resource, env }',
        ),
      ),
      [],
    ),
    instanceSize: v.optional(vmSizeSchema),
    replicas: replicasSchema,
    service: v.optional(
      strictObject({
        port: int(1, 65535),
        targetPort: v.optional(int(1, 65535)),
      }),
    ),
    imagePull: v.optional(
      strictObject({
        registryCredentials: v.optional(kbsResourceSpecSchema),
        signaturePolicy: v.optional(kbsResourceSpecSchema),
        sigstoreConfig: v.optional(kbsResourceSpecSchema),
      }),
    ),
    scratchVolumes: v.optional(
      list(
        strictObject({
          name: v.pipe(
            k8sName,
            v.check((n) => n !== 'tmp', 'must not be "tmp": every workload already has a "tmp" volume on /tmp'),
          ),
          mountPath: v.pipe(
            str(),
            v.regex(/^\/[A-Za-z0-9._/-]*$/, 'must be an absolute path'),
            v.check((m) => m.replace(/\/+$/, '') !== '/tmp', 'must not be /tmp: every workload already mounts a scratch volume there'),
          ),
          sizeLimit: v.optional(byteQuantity('1Gi')),
        }),
      ),
      [],
    ),
    tls: v.optional(workloadTlsSchema),
    plainHttpInsecure: v.optional(bool(), false),
    allowLogStreaming: v.optional(bool(), false),
    agentPolicy: v.optional(instanceOf(AgentPolicy, 'must be an AgentPolicy')),
  }),
  rawCheck((p, report) => {
    p.initContainers.forEach((c, i) => {
      for (const key of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
        if (c[key]) report(['initContainers', i, key], 'init containers run to completion and take no probes; drop it');
      }
    });
    // Kubernetes refuses a pod whose containers and init containers share a name, or whose volumes do.
    const seen = new Map<string, string>();
    for (const [list, items] of [
      ['initContainers', p.initContainers],
      ['containers', p.containers],
    ] as const) {
      items.forEach((c, i) => {
        const first = seen.get(c.name);
        if (first)
          report([list, i, 'name'], `"${c.name}" is already the name of ${first}; containers and init containers of a pod need distinct names`);
        else seen.set(c.name, `${list}[${i}]`);
      });
    }
    const volumes = new Set<string>();
    const mounts = new Set<string>();
    p.scratchVolumes.forEach((v, i) => {
      if (volumes.has(v.name)) report(['scratchVolumes', i, 'name'], `"${v.name}" names two scratch volumes; give each its own name`);
      if (mounts.has(v.mountPath))
        report(['scratchVolumes', i, 'mountPath'], `${v.mountPath} is the mount path of two scratch volumes; give each its own`);
      volumes.add(v.name);
      mounts.add(v.mountPath);
    });
  }),
);

/**
 * The problem with how a workload with a Service is reached, or undefined: `tls` and `plainHttpInsecure` together,
 * or neither. `what` names what the Service serves in the message ("the workload", "the KeyManager").
 */
export function transportProblem(
  choice: { readonly tls?: unknown; readonly plainHttpInsecure?: boolean },
  name: string,
  what: string,
): { field: string; message: string } | undefined {
  if (choice.tls && choice.plainHttpInsecure)
    return { field: 'plainHttpInsecure', message: 'contradicts tls (its Service serves TLS only); remove plainHttpInsecure, or tls for development' };
  if (!choice.tls && !choice.plainHttpInsecure)
    return {
      field: 'tls',
      message:
        `is required with a Service: without it, traffic to ${what} crosses the cluster network in clear text. Pass tls: { ` +
        `identity: workloadTls.identity('${name}') } (cai-create-workload-certs issues it), or plainHttpInsecure for development`,
    };
  return undefined;
}
