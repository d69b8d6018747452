// The least-privilege roles of a ConfidentialVmPool's identity: what the peer-pods adaptor may do on Azure.
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { RoleDefinition } from '@cdktf/provider-azurerm/lib/role-definition';
import { Construct, Token } from '../internal/cdktf';
import { IPeerPodNetwork } from './peer-pod-network';

/** Who gets the pool's roles, and where. */
export interface PoolRolesInput {
  /** Principal id of the pool identity. */
  readonly principalId: string;
  /** `/subscriptions/<id>`. */
  readonly subscriptionScope: string;
  readonly podVmResourceGroupName: string;
  readonly podVmResourceGroupId: string;
  readonly network: IPeerPodNetwork;
  readonly imageId: string;
}

/**
 * Virtual Machine Contributor on the pod-VM resource group only; join/read on the pod-VM subnet, its NSG and the
 * image (a custom role); and a custom role with only `Microsoft.Compute/locations/vmSizes/read` at subscription scope.
 */
export function grantPoolRoles(scope: Construct, input: PoolRolesInput): void {
  const { subscriptionScope, podVmResourceGroupName, network, imageId } = input;
  const principal = { principalId: input.principalId, principalType: 'ServicePrincipal' };
  new RoleAssignment(scope, 'VmContributorOnPodVmResourceGroup', {
    ...principal,
    scope: input.podVmResourceGroupId,
    roleDefinitionName: 'Virtual Machine Contributor',
    description: 'peer pods: create and delete pod VMs, disks and NICs in this resource group only',
  });

  const attachRole = new RoleDefinition(scope, 'AttachRole', {
    name: `peer-pods attach (${podVmResourceGroupName})`,
    scope: subscriptionScope,
    assignableScopes: [subscriptionScope],
    description: 'peer pods: join pod VM NICs to the pod-VM subnet and NSG, read the pod VM image',
    permissions: [
      {
        actions: [
          'Microsoft.Network/virtualNetworks/subnets/join/action',
          'Microsoft.Network/virtualNetworks/subnets/read',
          'Microsoft.Network/networkSecurityGroups/join/action',
          'Microsoft.Network/networkSecurityGroups/read',
          'Microsoft.Compute/galleries/read',
          'Microsoft.Compute/galleries/images/read',
          'Microsoft.Compute/galleries/images/versions/read',
        ],
      },
    ],
  });
  const attach = (rid: string, scopeId: string, what: string): void => {
    new RoleAssignment(scope, rid, {
      ...principal,
      scope: scopeId,
      roleDefinitionId: attachRole.roleDefinitionResourceId,
      description: `peer pods: ${what}`,
    });
  };
  attach('AttachPodVmSubnet', network.podVmSubnetId, 'join the pod-VM subnet');
  if (network.podVmNsgId) attach('AttachPodVmNsg', network.podVmNsgId, 'join the pod-VM NSG');
  if (Token.isUnresolved(imageId) || imageId.toLowerCase().startsWith('/subscriptions/')) {
    attach('ReadPodVmImage', imageId, 'read the pod VM image version');
  }

  const sizesRole = new RoleDefinition(scope, 'VmSizesReaderRole', {
    name: `peer-pods vm sizes reader (${podVmResourceGroupName})`,
    scope: subscriptionScope,
    assignableScopes: [subscriptionScope],
    description: 'peer pods: list VM sizes at start-up, nothing else',
    permissions: [{ actions: ['Microsoft.Compute/locations/vmSizes/read'] }],
  });
  new RoleAssignment(scope, 'VmSizesReaderOnSubscription', {
    ...principal,
    scope: subscriptionScope,
    roleDefinitionId: sizesRole.roleDefinitionResourceId,
    description: 'peer pods: list VM sizes',
  });
}
