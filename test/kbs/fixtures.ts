import { TrusteeVmProps } from '../../src';
import { KBS_IMAGE, PUBLIC_MATERIAL } from '../kubernetes/fixtures';

const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLE owner@example';

/** A version of the Canonical ubuntu-24_04-lts cvm image (an example). */
export const OS_IMAGE_VERSION = '24.04.202510010';

/** Props of a Trustee VM in the model owner's test subnet, admitting the pod VMs of `network`. */
export function vmProps(network: TrusteeVmProps['podVmNetwork']): TrusteeVmProps {
  return {
    resourceGroupName: 'model-owner',
    location: 'westeurope',
    subnetId: '/subscriptions/s/resourceGroups/model-owner/providers/Microsoft.Network/virtualNetworks/trust/subnets/kbs',
    subnetCidr: '10.250.0.0/26',
    staticIp: '10.250.0.10',
    podVmNetwork: network,
    keyVaultName: 'owner-kbs-kv',
    tenantId: '00000000-0000-0000-0000-0000000000aa',
    keyVaultAllowedIpRanges: ['203.0.113.7'],
    image: KBS_IMAGE,
    osImageVersion: OS_IMAGE_VERSION,
    adminSshPublicKey: SSH_KEY,
    httpsCaCertPem: PUBLIC_MATERIAL.kbsCa,
    tokenSignerCaCertPem: PUBLIC_MATERIAL.signerCa,
    referenceValuesExpire: '2027-12-31T00:00:00Z',
    snpTcbFloor: { bootloader: 4, tee: 0, snp: 24, microcode: 219 },
  };
}
