import * as v from 'valibot';
import { ImageFacts } from '../attestation/image-facts';
import { ResourcePath } from '../attestation/resource-path';
import { Construct } from '../internal/cdktf';
import { ConstructValidationError, fieldOf, instanceOf, int, strictObject, parseProps, str } from '../internal/validation';
import { ConfidentialContainer, containerOfParsed, ImagePullSettings, ScratchVolume, WorkloadResource } from './confidential-workload-props';
import { parseResourceSpec } from './confidential-workload-schema';
import { k8sName } from './prop-schemas';
import { ServerWorkloadOptions, serverWorkloadProps, serverWorkloadShape } from './server-workload';
import { KeyManager } from './key-manager';
import { ConfidentialWorkload } from './confidential-workload';
import { ResourceSource } from '../attestation/resource-source';

/**
 * An encrypted model blob and the init container that decrypts it (`ModelSource.encryptedBlob`): its command line
 * from `decryptImageFacts`, or written out in `decryptCommand` and `decryptRunAsUser`.
 */
export type EncryptedBlobProps = EncryptedBlobOptions & (DecryptFromImageFacts | DecryptWithCommand);

/** Where an encrypted model blob is, and the image that decrypts it (`EncryptedBlobProps`). */
export interface EncryptedBlobOptions {
  /** Where the init container downloads the encrypted model from. */
  readonly url: string;
  /** The KBS resource that decrypts it, `kbs:///repo/type/tag`. */
  readonly decryptionKey: string;
  /** The init container's image, pinned by digest. */
  readonly decryptImage: string;
  /** Where the KBS gets the decryption key. @default ResourceSource.outOfBand() */
  readonly source?: ResourceSource;
  /** Where the model is written inside the pod VM (`MODEL_DIR`). @default '/models' */
  readonly modelDir?: string;
  /** Size limit of the scratch volume the model is written to, e.g. `40Gi`. @default - none */
  readonly sizeLimit?: string;
}

/** The decrypting init container's command line from its image's verified facts. */
export interface DecryptFromImageFacts {
  /** The decrypt image's verified facts (`ImageFacts.fromDirectory`). */
  readonly decryptImageFacts: ImageFacts;
  /** Entrypoint override. @default - the image's */
  readonly decryptCommand?: string[];
  /** UID. @default - the image's numeric USER */
  readonly decryptRunAsUser?: number;
}

/** The decrypting init container's command line and UID written out. */
export interface DecryptWithCommand {
  /** No image facts (see `DecryptFromImageFacts`). */
  readonly decryptImageFacts?: undefined;
  /** The entrypoint. */
  readonly decryptCommand: string[];
  /** UID (1 or more). */
  readonly decryptRunAsUser: number;
}

/** Where the model comes from, and the KBS resource that decrypts it. */
export class ModelSource {
  /**
   * The model is baked into an encrypted container image (the server image itself); the CDH fetches the layer
   * decryption key `decryptionKey` from the KBS while pulling inside the TEE.
   */
  public static encryptedImage(props: { readonly decryptionKey: string; readonly source?: ResourceSource }): ModelSource {
    return new ModelSource({ kind: 'encrypted-image', decryptionKey: props.decryptionKey, source: props.source ?? ResourceSource.outOfBand() });
  }

  /**
   * The model is an encrypted blob at `url`; an init container (`decryptImage`, pinned) downloads it and decrypts
   * it with the key it reads from `MODEL_KEY_URL` (the CDH), into `MODEL_DIR` inside the pod VM. Its command
   * line comes from `decryptImageFacts` (verified against the digest) or `decryptCommand`.
   */
  public static encryptedBlob(props: EncryptedBlobProps): ModelSource {
    return new ModelSource({ kind: 'encrypted-blob', ...props, source: props.source ?? ResourceSource.outOfBand() });
  }

  private constructor(
    private readonly spec:
      | { readonly kind: 'encrypted-image'; readonly decryptionKey: string; readonly source: ResourceSource }
      | {
          readonly kind: 'encrypted-blob';
          readonly url: string;
          readonly decryptionKey: string;
          readonly decryptImage: string;
          readonly decryptImageFacts?: ImageFacts;
          readonly decryptCommand?: string[];
          readonly decryptRunAsUser?: number;
          readonly source: ResourceSource;
          readonly modelDir?: string;
          readonly sizeLimit?: string;
        },
  ) {}

  /** The KBS resource that decrypts the model, `kbs:///repo/type/tag`. */
  public get decryptionKey(): string {
    return this.spec.decryptionKey;
  }

  /** Where the KBS gets the decryption key. */
  public get source(): ResourceSource {
    return this.spec.source;
  }

  /**
   * What the model server's pod needs to get the model: for a blob, an init container that fetches and
   * decrypts it into a scratch volume, and `MODEL_DIR`; nothing for an encrypted image (the CDH decrypts it).
   */
  public bind(): ModelSourceConfig {
    const spec = this.spec;
    if (spec.kind === 'encrypted-image') return { env: {}, initContainers: [], scratchVolumes: [] };
    const modelDir = spec.modelDir ?? '/models';
    return {
      env: { MODEL_DIR: modelDir },
      scratchVolumes: [{ name: 'models', mountPath: modelDir, ...(spec.sizeLimit ? { sizeLimit: spec.sizeLimit } : {}) }],
      initContainers: [
        containerOfParsed({
          name: 'fetch-model',
          image: spec.decryptImage,
          imageFacts: spec.decryptImageFacts,
          command: spec.decryptCommand,
          runAsUser: spec.decryptRunAsUser,
          env: { MODEL_URL: spec.url, MODEL_DIR: modelDir },
          resources: { cpu: '500m', memory: '1Gi' },
        }),
      ],
    };
  }
}

/** What a model source adds to the model server's pod (`ModelSource.bind`). */
export interface ModelSourceConfig {
  /** Environment of the server container. */
  readonly env: Readonly<Record<string, string>>;
  /** Init containers that fetch the model. */
  readonly initContainers: readonly ConfidentialContainer[];
  /** Scratch volumes the model is written to. */
  readonly scratchVolumes: readonly ScratchVolume[];
}

/** Props of ConfidentialInference: the server workload's (`ServerWorkloadOptions`), and the model server's own. */
export type ConfidentialInferenceProps = ServerWorkloadOptions & ConfidentialInferenceOptions;

/** The model server's own props (`ConfidentialInferenceProps`). */
export interface ConfidentialInferenceOptions {
  /** Where the model comes from. */
  readonly model: ModelSource;
  /**
   * The key manager the server sends encrypted outputs to (`KEY_MANAGER_URL`). With TLS, the server's identity
   * authenticates the calls, through a client proxy on 127.0.0.1.
   * @default - none
   */
  readonly keyManager?: KeyManager;
  /**
   * A containers-policy.json stored as a KBS resource: every image pull must satisfy it (signed images).
   * @default - no signature policy
   */
  readonly signedImagePolicy?: string;
  /** Sigstore configuration resource for that policy. @default - none */
  readonly sigstoreConfig?: string;
  /** Deployment and Service name. @default 'inference' */
  readonly name?: string;
  /** Port of the model server, on 127.0.0.1 with TLS (the proxy's target). @default 8000 */
  readonly port?: number;
  /** Requests of the server container. @default { cpu: '1', memory: '4Gi' } */
  readonly containerResources?: { readonly cpu: string; readonly memory: string };
}

/** Where the model server reaches the key manager's client proxy. */
const KEY_MANAGER_LOCAL_PORT = 9443;

/** The model server's default probes: loading a large model can take many minutes. */
const INFERENCE_PROBES = {
  readiness: { periodSeconds: 10 },
  liveness: { periodSeconds: 10, failureThreshold: 3 },
  startup: { periodSeconds: 10, failureThreshold: 90 },
};

/** The schema of ConfidentialInferenceProps (internal: not in the main entry). */
export const schema = strictObject({
  ...serverWorkloadShape,
  model: instanceOf(ModelSource, 'must be ModelSource.encryptedImage(...) or ModelSource.encryptedBlob(...)'),
  name: v.optional(k8sName, 'inference'),
  signedImagePolicy: v.optional(str()),
  sigstoreConfig: v.optional(str()),
  port: v.optional(int(1, 65535), 8000),
  containerResources: v.optional(strictObject({ cpu: str(), memory: str() }), { cpu: '1', memory: '4Gi' }),
  keyManager: v.optional(instanceOf(KeyManager, 'must be a KeyManager')),
});

/**
 * A model server in a confidential container: the model is decrypted only inside the TEE, with a key the
 * KBS releases to this workload's PCR 8 alone; optionally every image must be signed (an image security
 * policy from the KBS), and outputs go to the key manager.
 */
export class ConfidentialInference extends Construct {
  /** The workload. */
  public readonly workload: ConfidentialWorkload;
  /** The model decryption key resource. */
  public readonly modelKey: ResourcePath;
  /** In-cluster URL of the model server. */
  public readonly serviceUrl: string;

  constructor(scope: Construct, id: string, props: ConfidentialInferenceProps) {
    super(scope, id);
    const p = parseProps(this, 'ConfidentialInference', schema, props);
    const at = (field: string) => fieldOf(this, 'ConfidentialInference', field);
    this.modelKey = p.kbs.declareResource(ResourcePath.parse(p.model.decryptionKey, at('model.decryptionKey')), p.model.source);
    // Parsed here, so a bad path names this construct's prop rather than the workload's.
    const imagePull: ImagePullSettings = {
      ...(p.registryCredentials !== undefined ? { registryCredentials: parseResourceSpec(p.registryCredentials, at('registryCredentials')) } : {}),
      ...(p.signedImagePolicy !== undefined ? { signaturePolicy: parseResourceSpec(p.signedImagePolicy, at('signedImagePolicy')) } : {}),
      ...(p.sigstoreConfig !== undefined ? { sigstoreConfig: parseResourceSpec(p.sigstoreConfig, at('sigstoreConfig')) } : {}),
    };

    const model = p.model.bind();
    const env: Record<string, string> = { PORT: String(p.port), ...p.env, ...model.env };
    const upstream = p.keyManager?.workload;
    const keyManagerTls = upstream?.tlsEndpoint !== undefined;
    if (keyManagerTls && !p.tls) {
      throw new ConstructValidationError(
        this.node.path,
        'ConfidentialInference',
        'tls',
        `the key manager ${upstream!.workloadName} serves TLS and admits client ` +
          `certificates only; give this workload tls: { identity } so it can call it`,
      );
    }
    // With TLS, the app calls its local client proxy, which authenticates it to the key manager.
    if (p.keyManager) env.KEY_MANAGER_URL = keyManagerTls ? `http://127.0.0.1:${KEY_MANAGER_LOCAL_PORT}` : p.keyManager.serviceUrl;
    const resources: WorkloadResource[] = [{ resource: this.modelKey, env: 'MODEL_KEY_URL' }];

    this.workload = new ConfidentialWorkload(
      this,
      'Workload',
      serverWorkloadProps(
        this,
        'ConfidentialInference',
        p,
        { name: 'server', port: p.port, env, defaultProbes: INFERENCE_PROBES, resources: p.containerResources },
        {
          initContainers: [...model.initContainers],
          resources,
          scratchVolumes: [...model.scratchVolumes],
          imagePull,
          ...(p.tls
            ? { tls: { ...p.tls, ...(keyManagerTls ? { upstreams: [{ workload: upstream!, localPort: KEY_MANAGER_LOCAL_PORT }] } : {}) } }
            : {}),
        },
      ),
    );
    this.serviceUrl = this.workload.serviceUrl!;
  }
}
