import * as v from 'valibot';
import { KbsEndpoint, validateKbsEndpoint } from '../attestation/guest-config';
import { KbsState, KbsStateOptions } from '../attestation/kbs-state';
import { isPinnedImage } from '../attestation/image-reference';
import { ONE_PEM_CERTIFICATE, isPemCertificate, isPemCertificateChain, isPemPublicKey } from '../attestation/pem';
import { SnpTcbFloor } from '../attestation/reference-values';
import { ResourcePath, ResourcePathLike } from '../attestation/resource-path';
import { ResourceSource, ResourceSourceKind } from '../attestation/resource-source';
import { KbsAuditTrail, renderTrustReport } from '../attestation/trust-report';
import { IPodVmImage } from '../azure/pod-vm-image';
import { Annotations, Construct } from '../internal/cdktf';
import { bool, ConstructValidationError, fieldOf, list, noSecret, str } from '../internal/validation';
import { VERSIONS } from '../versions';
import { DeclareResourceOptions, IConfidentialWorkload, IKeyBrokerService, CONFIDENTIAL_WORKLOAD, KEY_BROKER } from './key-broker';

/** What every KBS placement is told about the attestation it performs. */
export interface KbsAttestationProps {
  /** Expiration written into every reference value record, `YYYY-MM-DDTHH:MM:SSZ` (synth never reads the clock). */
  readonly referenceValuesExpire: string;
  /**
   * TDX TCB statuses accepted as hardware-affirming.
   * @default ['UpToDate']
   */
  readonly tdxAcceptedTcbStatuses?: string[];
  /**
   * The oldest SNP firmware and microcode accepted as hardware-affirming: the minimum of each TCB component
   * as the verifier reports it (`reported_tcb_*`). Required when an SNP pod VM image is trusted. Take it from
   * AMD's security bulletins for your CPU family, or from a known-good attestation (docs/security.md).
   * @default - none: a validation error if SNP images are trusted, unless `allowAnySnpTcbInsecure`
   */
  readonly snpTcbFloor?: SnpTcbFloor;
  /**
   * Affirms SNP hardware whatever its TCB (old, vulnerable firmware included). For development only.
   * @default false
   */
  readonly allowAnySnpTcbInsecure?: boolean;
}

/** The schema entries of KbsAttestationProps (merged into each placement's schema). */
export const kbsAttestationShape = {
  referenceValuesExpire: str(),
  tdxAcceptedTcbStatuses: v.optional(list(str())),
  snpTcbFloor: v.optional(
    v.custom<SnpTcbFloor>((f) => typeof f === 'object' && f !== null, 'must give the minimum of each of bootloader, tee, snp, microcode'),
  ),
  allowAnySnpTcbInsecure: v.optional(bool(), false),
};

/** Where the KBS's private keys belong, for the message that refuses one in a public prop. */
const KBS_KEY_HOME = 'private keys stay in Key Vault or a Kubernetes Secret, never in the plan';

/** A PEM certificate prop of a KBS placement: exactly one certificate, never a private key. */
export function kbsCaCertificate(what: string) {
  return v.pipe(
    str(),
    noSecret('the certificate', KBS_KEY_HOME),
    v.check((s: string) => isPemCertificate(s), `${ONE_PEM_CERTIFICATE}: ${what}`),
  );
}

/** The schema entries of the public material a Trustee is configured with (CA certificates, the admin public key). */
export const kbsPublicMaterialShape = {
  httpsCaCertPem: kbsCaCertificate('the CA certificate that issued the KBS certificate'),
  adminPublicKeyPem: v.pipe(
    str(),
    noSecret('the public key (openssl pkey -pubout)', 'the admin private key stays with the model owner'),
    v.check(
      (s: string) => isPemPublicKey(s),
      'must be one PEM public key ("-----BEGIN PUBLIC KEY-----", from openssl pkey -pubout) of an EC, RSA or Ed25519 key, with no text around it',
    ),
  ),
  // A chain file may hold several certificates.
  tokenSignerCaCertPem: v.pipe(
    str(),
    noSecret('the certificate', KBS_KEY_HOME),
    v.check(
      (s: string) => isPemCertificateChain(s),
      'must be PEM certificates ("-----BEGIN CERTIFICATE-----") with no text around them: the token signer CA, or its chain',
    ),
  ),
};

/**
 * The Trustee image prop: pinned by digest (a tag may stay for readers), since whoever can move a tag could
 * otherwise replace the KBS that holds every key.
 */
export const kbsImageSchema = v.pipe(
  str(),
  v.check(
    (s) => isPinnedImage(s),
    `must pin the Trustee image by digest, e.g. "${VERSIONS.trusteeImage}@sha256:<64 hex>" (\`crane digest ${VERSIONS.trusteeImage}\` gives it)`,
  ),
);

/**
 * What the three KBS placements (`TrusteeVm`, `ExternalKbs`, the in-cluster `Trustee`) share: one `KbsState`
 * that images, workloads and resources register with, rendered by each placement its own way, and the wiring
 * checks, which run once the whole tree exists (validation) and fail synth.
 */
export abstract class KeyBrokerBase extends Construct implements IKeyBrokerService {
  private endpoint?: KbsEndpoint;
  private kbsState?: KbsState;
  private warned = false;

  protected constructor(
    scope: Construct,
    id: string,
    /** The construct's class name, for messages. */
    private readonly typeName: string,
    /** The resource sources this placement can read. */
    private readonly sources: readonly ResourceSourceKind[],
  ) {
    super(scope, id);
    KEY_BROKER.implementedBy(this);
    this.node.addValidation({
      validate: () => {
        if (!this.warned) {
          this.warned = true;
          for (const warning of this.state.warnings()) Annotations.of(this).addWarning(warning);
        }
        const unreadable = this.state.declaredResources
          .filter((r) => !this.sources.includes(r.source.kind))
          .map(
            (r) =>
              `${r.path.uri} comes from ${r.source.describe()}, which a ${this.typeName} ` +
              `cannot read; use ${this.sources.map(sourceFactory).join(' or ')}`,
          );
        return [...this.state.problems(), ...unreadable, ...this.placementProblems()];
      },
    });
  }

  /** Where pod VMs reach the KBS, and the CA they pin: goes into every workload's initdata. */
  public get kbsEndpoint(): KbsEndpoint {
    if (!this.endpoint) throw new Error(`${this.node.path}: the KBS endpoint is used before it is known`);
    return this.endpoint;
  }

  /** Images, workloads and resources registered with this KBS, and everything derived from them. */
  public get state(): KbsState {
    if (!this.kbsState) throw new Error(`${this.node.path}: the KBS state is used before it is created`);
    return this.kbsState;
  }

  /** Trusts a pod VM image: its measurements become reference values the attestation policy checks. */
  public trustImage(image: IPodVmImage): void {
    this.state.trustImage(image);
  }

  /** Declares a KBS resource and where its bytes come from (`kbs:///repo/type/tag`). */
  public declareResource(resource: ResourcePathLike, source: ResourceSource, options: DeclareResourceOptions = {}): ResourcePath {
    const owner = options.exclusiveTo ? kbsName(options.exclusiveTo) : undefined;
    return this.state.declareResource(resource, source, owner);
  }

  /**
   * Admits `workload` (its PCR 8 becomes a reference value) and releases `resources` to it, and to no
   * workload they are not granted to. A ConfidentialWorkload grants itself what its props name.
   */
  public grantResources(workload: IConfidentialWorkload, ...resources: ReadonlyArray<ResourcePathLike>): void {
    if (!CONFIDENTIAL_WORKLOAD.isImplementedBy(workload)) {
      throw new ConstructValidationError(
        this.node.path,
        this.typeName,
        'grantResources.workload',
        'must be a ConfidentialWorkload (its PCR 8 is its identity)',
      );
    }
    const paths = resources.map((r, i) =>
      typeof r === 'string' ? ResourcePath.parse(r, fieldOf(this, this.typeName, `grantResources.resources[${i}]`)) : r,
    );
    const identity = {
      name: kbsName(workload),
      pcr8: workload.pcr8,
      evidenceTypes: workload.evidenceTypes,
      ...(workload.agentPolicy ? { runs: workload.agentPolicy.data.containers } : {}),
      ...(workload.podVmImage ? { image: workload.podVmImage } : {}),
      ...(workload.exposure ? { exposure: workload.exposure } : {}),
    };
    this.state.grantResources(identity, paths);
  }

  /** The trust report of this KBS (markdown): images, workloads, resources and who receives what. */
  public trustReport(): string {
    return renderTrustReport(this.state, this.kbsEndpoint.url, this.auditTrail());
  }

  /** Where this KBS records its releases and refusals, if the library sets that up. */
  protected auditTrail(): KbsAuditTrail | undefined {
    return undefined;
  }

  /**
   * The command that writes a resource out of band (run by the model owner; the secret never enters
   * Terraform): here kbs-client of Trustee v0.21.0 with an admin JWT signed by the admin key. `TrusteeVm`, whose
   * admin API is off, returns the `az keyvault secret set` command of its Key Vault instead.
   */
  public setResourceCommand(resource: ResourcePathLike, resourceFile = '<file>'): string {
    const path = resource instanceof ResourcePath ? resource : this.state.resourcePath(resource);
    return (
      `kbs-client --url ${this.kbsEndpoint.url} --cert-file kbs-ca.pem config --admin-token-file ` +
      `admin-token.jwt set-resource --path ${path.path} --resource-file ${resourceFile}`
    );
  }

  /** Sets the endpoint and creates the state from the parsed attestation props; placements call it once. */
  protected initKeyBroker(endpoint: KbsEndpoint, a: KbsAttestationProps): void {
    this.endpoint = validateKbsEndpoint(endpoint, fieldOf(this, this.typeName, 'kbsEndpoint'));
    const options: KbsStateOptions = {
      expiration: a.referenceValuesExpire,
      tdxAcceptedTcbStatuses: a.tdxAcceptedTcbStatuses,
      ...(a.snpTcbFloor ? { snpTcbFloor: a.snpTcbFloor } : {}),
      allowAnySnpTcbInsecure: a.allowAnySnpTcbInsecure,
      owner: { path: this.node.path, type: this.typeName },
    };
    this.kbsState = new KbsState(options);
    if (a.allowAnySnpTcbInsecure) {
      Annotations.of(this).addWarning('allowAnySnpTcbInsecure: SNP hosts with old, vulnerable firmware are affirming; development only');
    }
  }

  /** Problems only this placement knows about (validation). */
  protected placementProblems(): string[] {
    return [];
  }
}

/** The name a workload has in the KBS state, its messages and the trust report: `<construct path> (<namespace>/<name>)`. */
function kbsName(workload: IConfidentialWorkload): string {
  return `${workload.node.path} (${workload.workloadName})`;
}

function sourceFactory(kind: ResourceSourceKind): string {
  return {
    'out-of-band': 'ResourceSource.outOfBand()',
    'kubernetes-secret': 'ResourceSource.kubernetesSecret(...)',
    'azure-key-vault': 'ResourceSource.azureKeyVault(...)',
  }[kind];
}
