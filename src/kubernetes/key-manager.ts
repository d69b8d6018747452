import * as v from 'valibot';
import { ResourcePath } from '../attestation/resource-path';
import { Annotations, Construct } from '../internal/cdktf';
import { fieldOf, int, strictObject, parseProps, str } from '../internal/validation';
import { ConfidentialWorkload } from './confidential-workload';
import { parseResourceSpec } from './confidential-workload-schema';
import { k8sName } from './prop-schemas';
import { ServerWorkloadOptions, serverWorkloadProps, serverWorkloadShape } from './server-workload';
import { ResourceSource } from '../attestation/resource-source';
import { IKeyBrokerService } from '../kbs/key-broker';
import { resourceSourceSchema } from './prop-schemas';

/** The KBS resource that holds the model owner's private key, unless told otherwise. */
export const DEFAULT_KEY_MANAGER_KEY = 'kbs:///enkrypt/key-manager/private-key';

/** Props of KeyManager: the server workload's (`ServerWorkloadOptions`), and the key manager's own. */
export type KeyManagerProps = ServerWorkloadOptions & KeyManagerOptions;

/** The key manager's own props (`KeyManagerProps`). */
export interface KeyManagerOptions {
  /** Deployment and Service name. @default 'key-manager' */
  readonly name?: string;
  /** The KBS resource holding the model owner's private key. @default 'kbs:///enkrypt/key-manager/private-key' */
  readonly privateKey?: string;
  /** Where the private key comes from. @default ResourceSource.outOfBand() */
  readonly privateKeySource?: ResourceSource;
  /** Port the key manager listens on, on 127.0.0.1 with TLS (the proxy's target). @default 8080 */
  readonly port?: number;
}

/** The key manager's default probes. */
const KEY_MANAGER_PROBES = {
  readiness: { periodSeconds: 5 },
  liveness: { periodSeconds: 10, failureThreshold: 3 },
  startup: { periodSeconds: 5, failureThreshold: 24 },
};

/** The schema of KeyManagerProps (internal: not in the main entry). */
export const schema = strictObject({
  ...serverWorkloadShape,
  name: v.optional(k8sName, 'key-manager'),
  privateKey: v.optional(str(), DEFAULT_KEY_MANAGER_KEY),
  privateKeySource: v.optional(resourceSourceSchema, ResourceSource.outOfBand()),
  port: v.optional(int(1, 65535), 8080),
});

/**
 * The Enkrypt-style key manager: a confidential workload that holds the model owner's private key (a KBS
 * resource released to this workload's PCR 8 only) and decrypts encrypted model outputs for authorized
 * users, behind a ClusterIP Service. The owner pushes the key out of band with `setPrivateKeyCommand`.
 * The key reaches the container at `PRIVATE_KEY_URL` (the CDH inside the TEE), never as a Kubernetes Secret.
 */
export class KeyManager extends Construct {
  /** The workload. */
  public readonly workload: ConfidentialWorkload;
  /** The private key resource. */
  public readonly privateKey: ResourcePath;
  /** In-cluster URL of the key manager. */
  public readonly serviceUrl: string;
  private readonly kbs: IKeyBrokerService;

  constructor(scope: Construct, id: string, props: KeyManagerProps) {
    super(scope, id);
    const p = parseProps(this, 'KeyManager', schema, props);
    this.kbs = p.kbs;
    const privateKey = ResourcePath.parse(p.privateKey, fieldOf(this, 'KeyManager', 'privateKey'));
    this.workload = new ConfidentialWorkload(
      this,
      'Workload',
      serverWorkloadProps(
        this,
        'KeyManager',
        p,
        { name: 'key-manager', port: p.port, env: { PORT: String(p.port), ...p.env }, defaultProbes: KEY_MANAGER_PROBES },
        {
          resources: [{ resource: privateKey, env: 'PRIVATE_KEY_URL' }],
          ...(p.registryCredentials
            ? { imagePull: { registryCredentials: parseResourceSpec(p.registryCredentials, fieldOf(this, 'KeyManager', 'registryCredentials')) } }
            : {}),
        },
      ),
    );
    // Whoever reaches the key manager's API decrypts outputs: admit named callers, and users from a CA of their own.
    if (p.tls && !Array.isArray(p.tls.clients))
      Annotations.of(this).addWarning(
        `tls.clients is "${p.tls.clients}": every ${p.tls.clients === 'any' ? 'TLS client' : 'certificate of the workload CA'} ` +
          "reaches the key manager's decryption API. Name the workloads that call it (tls.clients: ['inference']) and give " +
          'model users a CA of their own (tls.users)',
      );
    // The private key is reserved for this workload: another workload listing it is a synth error.
    this.privateKey = p.kbs.declareResource(privateKey, p.privateKeySource, { exclusiveTo: this.workload });
    this.serviceUrl = this.workload.serviceUrl!;
  }

  /** The command the model owner runs to push the private key into the KBS (out of band). */
  public setPrivateKeyCommand(privateKeyFile = 'model-owner-private-key.pem'): string {
    return this.kbs.setResourceCommand(this.privateKey.uri, privateKeyFile);
  }
}
