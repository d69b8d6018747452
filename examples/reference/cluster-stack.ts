import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { VirtualNetworkPeering } from '@cdktf/provider-azurerm/lib/virtual-network-peering';
import { Annotations, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import {
  ConfidentialInference,
  ConfidentialVmSize,
  IKeyBrokerService,
  ImageFacts,
  KeyManager,
  ModelSource,
  PeerPodsRuntime,
  WorkloadNamespace,
  WorkloadTls,
  configureAksProviders,
} from '../../src';
import { configureBackend } from './backend';
import { referenceConfig as cfg } from './config';
import { InfraStack } from './infra-stack';
import { TrustStack } from './trust-stack';

/**
 * The in-cluster part: the peer-pods runtime and the confidential workloads, on the cluster of the infra stack,
 * attesting to the KBS of the trust stack (deployed before this one).
 */
export class ClusterStack extends TerraformStack {
  /** The peer-pods runtime. */
  public readonly runtime: PeerPodsRuntime;
  /** The KBS the workloads attest to (the trust stack's). */
  public readonly kbs: IKeyBrokerService;
  /** The key manager. */
  public readonly keyManager: KeyManager;
  /** The inference service. */
  public readonly inference: ConfidentialInference;

  constructor(scope: Construct, id: string, infra: InfraStack, trust: TrustStack) {
    super(scope, id);
    configureBackend(this, id);
    this.addDependency(infra);
    this.addDependency(trust);

    const subscriptionId = new TerraformVariable(this, 'subscription_id', { type: 'string', description: 'Azure subscription of the infra stack' });
    new AzurermProvider(this, 'azurerm', { features: [{}], subscriptionId: subscriptionId.stringValue });
    // The cluster's half of the peering with the model owner's VNet: created in the cluster's subscription,
    // which the trust stack's provider (the owner's subscription) does not reach.
    new VirtualNetworkPeering(this, 'ClusterToTrust', {
      name: 'cluster-to-trust',
      resourceGroupName: cfg.resourceGroupName,
      virtualNetworkName: infra.network.resource.name,
      remoteVirtualNetworkId: trust.vnetId,
    });

    configureAksProviders(this, { name: cfg.clusterName, resourceGroupName: cfg.resourceGroupName });

    this.runtime = new PeerPodsRuntime(this, 'PeerPods', { pool: infra.pool });

    const kbs = trust.kbs;
    this.kbs = kbs;

    // The Enkrypt-style workloads: the key manager holds the model owner's private key; the inference
    // service decrypts the model inside its TEE and hands encrypted outputs to the key manager.
    // Each image's entrypoint, ENV and USER, verified against its digest: the agent policies pin them.
    const facts = (image: string, name: string): ImageFacts => ImageFacts.fromDirectory(image, join(__dirname, 'images', name));
    const namespace = new WorkloadNamespace(this, 'Namespace');
    // TLS ends inside each pod VM; the workload CA and certificates come from cai-create-workload-certs (public
    // halves only: each private key is a KBS resource released to its own workload).
    const ownTls = join(__dirname, '.secrets', 'workload-tls');
    const tlsIsExample = !existsSync(join(ownTls, 'ca.pem'));
    const workloadTls = WorkloadTls.fromDirectory(tlsIsExample ? join(__dirname, 'tls', 'example') : ownTls, {
      proxyImage: cfg.tlsProxyImage,
      proxyImageFacts: facts(cfg.tlsProxyImage, 'tls-proxy'),
      ingressFilterImage: cfg.ingressFilterImage,
      ingressFilterImageFacts: facts(cfg.ingressFilterImage, 'ingress-filter'),
    });
    this.keyManager = new KeyManager(this, 'KeyManager', {
      runtime: this.runtime,
      kbs,
      image: cfg.images.keyManager,
      imageFacts: facts(cfg.images.keyManager, 'key-manager'),
      registryCredentials: cfg.registryCredentials,
      namespace,
      // Only the inference service calls the key manager's decryption API; model users come from their own CA.
      tls: { identity: workloadTls.identity('key-manager'), clients: ['inference'], users: {} },
    });
    this.inference = new ConfidentialInference(this, 'Inference', {
      runtime: this.runtime,
      kbs,
      image: cfg.images.modelServer,
      imageFacts: facts(cfg.images.modelServer, 'model-server'),
      // The image's CMD binds 0.0.0.0; on 127.0.0.1 only the TLS proxy inside the pod VM reaches it.
      args: ['--host', '127.0.0.1'],
      registryCredentials: cfg.registryCredentials,
      namespace,
      model: ModelSource.encryptedBlob({
        url: cfg.encryptedModelUrl,
        decryptionKey: 'kbs:///enkrypt/model/decryption-key',
        decryptImage: cfg.images.modelFetcher,
        decryptImageFacts: facts(cfg.images.modelFetcher, 'model-fetcher'),
        sizeLimit: '20Gi',
      }),
      keyManager: this.keyManager,
      // Model users connect with a certificate of the users CA on a listener of their own (cai-create-workload-certs user:<name>).
      tls: { identity: workloadTls.identity('inference'), users: {} },
      instanceSize: ConfidentialVmSize.STANDARD_DC2AS_V5,
    });
    Annotations.of(namespace).addWarning(
      'example material: the workload images in examples/reference/config.ts (and their documents ' +
        'under examples/reference/images) are examples of images that do not exist; put your own there',
    );
    if (tlsIsExample) {
      Annotations.of(namespace).addWarning(
        'example material: the workload CA and certificates are the committed examples under examples/reference/tls/example; create your own with ' +
          'bin/create-workload-certs.sh examples/reference/.secrets/workload-tls ' +
          'key-manager=key-manager.confidential-ai.svc.cluster.local inference=inference.confidential-ai.svc.cluster.local user:alice',
      );
    }

    new TerraformOutput(this, 'set_model_owner_key', { value: this.keyManager.setPrivateKeyCommand('model-owner-private-key.pem') });
    new TerraformOutput(this, 'set_model_decryption_key', { value: kbs.setResourceCommand(this.inference.modelKey.uri, 'model-decryption-key.bin') });
    new TerraformOutput(this, 'set_registry_credentials', { value: kbs.setResourceCommand(cfg.registryCredentials, 'registry-auth.json') });
    new TerraformOutput(this, 'set_key_manager_tls_key', {
      value: kbs.setResourceCommand(workloadTls.identity('key-manager').keyResource, 'key-manager.key'),
    });
    new TerraformOutput(this, 'set_inference_tls_key', {
      value: kbs.setResourceCommand(workloadTls.identity('inference').keyResource, 'inference.key'),
    });
    new TerraformOutput(this, 'key_manager_url', { value: this.keyManager.serviceUrl });
    new TerraformOutput(this, 'inference_url', { value: this.inference.serviceUrl });
  }
}
