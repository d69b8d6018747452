import { App, TerraformStack } from 'cdktf';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
const app = new App();
const s = new TerraformStack(app, 'infra');
new AzurermProvider(s, 'azurerm', { features: [{}] });
new ResourceGroup(s, 'rg', { name: 'x', location: 'westeurope' });
app.synth();
