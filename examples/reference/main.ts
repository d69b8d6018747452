import { App } from 'cdktf';
import { printAnnotations } from './annotations';
import { InfraStack } from './infra-stack';

// The reference deployment: `infra` (Azure) first; the in-cluster stack follows it.
const app = new App();
new InfraStack(app, 'infra');
app.synth();
printAnnotations(app);
