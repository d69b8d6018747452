import { AzurermBackend, LocalBackend, TerraformStack } from 'cdktf';

/**
 * Local state by default. Set CAI_STATE_STORAGE_ACCOUNT (and CAI_STATE_RESOURCE_GROUP, CAI_STATE_CONTAINER)
 * to keep state in an Azure storage account instead, authenticated with Entra ID (no access keys).
 */
export function configureBackend(stack: TerraformStack, stackId: string): void {
  const account = process.env.CAI_STATE_STORAGE_ACCOUNT;
  if (!account) {
    new LocalBackend(stack, { path: `terraform.${stackId}.tfstate` });
    return;
  }
  new AzurermBackend(stack, {
    storageAccountName: account,
    resourceGroupName: process.env.CAI_STATE_RESOURCE_GROUP ?? 'tfstate',
    containerName: process.env.CAI_STATE_CONTAINER ?? 'tfstate',
    key: `${stackId}.tfstate`,
    useAzureadAuth: true,
  });
}
