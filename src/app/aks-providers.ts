import { DataAzurermKubernetesCluster } from '@cdktf/provider-azurerm/lib/data-azurerm-kubernetes-cluster';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import * as v from 'valibot';
import { aksClusterName, resourceGroupName } from '../azure/azure-names';
import { Fn, TerraformStack } from '../internal/cdktf';
import { strictObject, oneOf, parseProps } from '../internal/validation';

/** Entra ID's well-known server application id of AKS (the audience kubelogin requests tokens for). */
export const AKS_ENTRA_SERVER_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';

/** How kubelogin gets the Entra ID token (`kubelogin get-token --login <mode>`). */
export type KubeloginMode = 'azurecli' | 'workloadidentity' | 'msi' | 'spn' | 'azd' | 'azurepipelines';

/** The cluster the providers talk to, and how they sign in. */
export interface AksProvidersOptions {
  /** Cluster name (known at synth time: the providers read the cluster by name, not from another state). */
  readonly name: string;
  /** Resource group of the cluster. */
  readonly resourceGroupName: string;
  /**
   * kubelogin's login mode: `azurecli` uses the `az login` session; in CI, `workloadidentity` (federated
   * credentials, `AZURE_*` variables), `spn` or `msi`.
   * @default 'azurecli'
   */
  readonly login?: KubeloginMode;
}

/** The schema of AksProvidersOptions (internal: not in the main entry). */
export const schema = strictObject({
  name: aksClusterName,
  resourceGroupName: resourceGroupName(),
  login: v.optional(oneOf(['azurecli', 'workloadidentity', 'msi', 'spn', 'azd', 'azurepipelines']), 'azurecli'),
});

/**
 * Configures the kubernetes and helm providers of `stack` for an AKS cluster, read by name with a data source
 * (`Aks`). Local accounts are disabled on the clusters this library builds, so both providers authenticate with
 * Entra ID through the kubelogin exec plugin, which must be on the PATH of whoever runs Terraform.
 */
export function configureAksProviders(stack: TerraformStack, options: AksProvidersOptions): { kubernetes: KubernetesProvider; helm: HelmProvider } {
  const p = parseProps(stack, 'configureAksProviders', schema, options);
  const aks = new DataAzurermKubernetesCluster(stack, 'Aks', { name: p.name, resourceGroupName: p.resourceGroupName });
  const endpoint = { host: aks.kubeConfig.get(0).host, clusterCaCertificate: Fn.base64decode(aks.kubeConfig.get(0).clusterCaCertificate) };
  const exec = {
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    command: 'kubelogin',
    args: ['get-token', '--login', p.login, '--server-id', AKS_ENTRA_SERVER_ID],
  };
  return {
    kubernetes: new KubernetesProvider(stack, 'kubernetes', { ...endpoint, exec: [exec] }),
    helm: new HelmProvider(stack, 'helm', { kubernetes: { ...endpoint, exec } }),
  };
}
