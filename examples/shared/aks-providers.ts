import { DataAzurermKubernetesCluster } from '@cdktf/provider-azurerm/lib/data-azurerm-kubernetes-cluster';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Fn, TerraformStack } from 'cdktf';

/** Entra ID's well-known server application id of AKS (the audience kubelogin requests tokens for). */
export const AKS_ENTRA_SERVER_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';

/**
 * Configures the kubernetes and helm providers of `stack` for an existing AKS cluster, read by name (known at
 * synth time, so the providers need no values from another state). Local accounts are disabled on these
 * clusters: both providers authenticate with Entra ID through the kubelogin exec plugin (the az login session).
 */
export function configureAksProviders(stack: TerraformStack, cluster: { readonly name: string; readonly resourceGroupName: string }): void {
  const aks = new DataAzurermKubernetesCluster(stack, 'Aks', cluster);
  const endpoint = { host: aks.kubeConfig.get(0).host, clusterCaCertificate: Fn.base64decode(aks.kubeConfig.get(0).clusterCaCertificate) };
  const exec = {
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    command: 'kubelogin',
    args: ['get-token', '--login', 'azurecli', '--server-id', AKS_ENTRA_SERVER_ID],
  };
  new KubernetesProvider(stack, 'kubernetes', { ...endpoint, exec: [exec] });
  new HelmProvider(stack, 'helm', { kubernetes: { ...endpoint, exec } });
}
