import { TRUSTEE_RELEASE } from './attestation/kbs-state';

/**
 * The upstream versions this library is built and tested against. They move together: initdata, policy and
 * configuration formats are those of these releases.
 */
export const VERSIONS = {
  /** cloud-api-adaptor (peer pods) release. */
  cloudApiAdaptor: 'v0.22.0',
  /** The `peerpods` Helm chart of that release. */
  peerpodsChart: { repository: 'oci://ghcr.io/confidential-containers/cloud-api-adaptor/charts', name: 'peerpods', version: '0.4.0' },
  /** The cloud-api-adaptor image of that chart release (a commit tag, never `latest`). */
  cloudApiAdaptorImage: { name: 'quay.io/confidential-containers/cloud-api-adaptor', tag: '61b1aba91df646a663e60ab6b55c6a7dc93cd167' },
  /** cert-manager, which the peerpods webhook needs before it installs. */
  certManagerChart: { repository: 'https://charts.jetstack.io', name: 'cert-manager', version: 'v1.19.1' },
  /** kata-deploy, installed by the peerpods chart (creates RuntimeClass `kata-remote`). */
  kataDeploy: '4.0.0',
  /** Trustee (KBS, attestation service, RVPS). */
  trustee: TRUSTEE_RELEASE.version,
  /** The release date of that Trustee (a reference value expiring before it has certainly expired). */
  trusteeReleasedOn: TRUSTEE_RELEASE.releasedOn,
  /** The all-in-one Trustee image (KBS with the built-in attestation service). */
  trusteeImage: 'ghcr.io/confidential-containers/key-broker-service:built-in-as-v0.21.0',
  /** guest-components (attestation agent and confidential data hub in the pod VM). */
  guestComponents: 'v0.21.0',
  /** Terraform providers, as generated into the @cdktf/provider-* packages. */
  terraformProviders: { azurerm: '4.55.0', kubernetes: '2.38.0', helm: '3.1.1' },
  /** cdktf. */
  cdktf: '0.21.0',
} as const;
