// Experiment: replay the synthesized stacks with the typed provider classes (camelCase config).
const { readFileSync } = require('node:fs');
const { App, TerraformStack, TerraformOutput, TerraformDataSource } = require('cdktf');
const stacks = JSON.parse(readFileSync(process.env.BENCH_STACKS, 'utf8'));
const camel = (k) => k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const META = new Set(['depends_on', 'lifecycle', 'provider', 'count', 'for_each', '//']);
function conv(v, depth) {
  if (Array.isArray(v)) return v.map((x) => conv(x, depth + 1));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [/^[a-z0-9_]+$/.test(k) ? camel(k) : k, conv(x, depth + 1)]));
  return v;
}
function classFor(type, data) {
  const [prov, ...rest] = type.split('_');
  const pkg = { azurerm: '@cdktf/provider-azurerm', kubernetes: '@cdktf/provider-kubernetes', helm: '@cdktf/provider-helm' }[prov];
  const base = data ? type : rest.join('_');
  const mod = require(`${pkg}/lib/${(data ? 'data-' + type : base).replace(/_/g, '-')}`);
  const cls = (data ? 'data_' + type : base).split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  return mod[cls];
}
const app = new App();
for (const [name, json] of Object.entries(stacks)) {
  const stack = new TerraformStack(app, name);
  for (const [prov, list] of Object.entries(json.provider ?? {})) {
    const pkg = { azurerm: '@cdktf/provider-azurerm', kubernetes: '@cdktf/provider-kubernetes', helm: '@cdktf/provider-helm' }[prov];
    const cls = prov === 'azurerm' ? 'AzurermProvider' : prov === 'kubernetes' ? 'KubernetesProvider' : 'HelmProvider';
    list.forEach((cfg, i) => new (require(`${pkg}/lib/provider`)[cls])(stack, `${prov}${i}`, conv(cfg, 0)));
  }
  for (const [type, byId] of Object.entries(json.resource ?? {})) {
    const C = classFor(type, false);
    for (const [id, body] of Object.entries(byId)) {
      const cfg = {}; const meta = {};
      for (const [k, v] of Object.entries(body)) (META.has(k) ? meta : cfg)[k] = v;
      const r = new C(stack, id, conv(cfg, 0));
      for (const [k, v] of Object.entries(meta)) if (k !== '//') r.addOverride(k, v);
    }
  }
  for (const [type, byId] of Object.entries(json.data ?? {})) {
    for (const [id, body] of Object.entries(byId)) {
      if (type === 'terraform_remote_state') { const d = new TerraformDataSource(stack, id, { terraformResourceType: type }); for (const [k, v] of Object.entries(body)) if (k !== '//') d.addOverride(k, v); continue; }
      const C = classFor(type, true);
      const cfg = {}; for (const [k, v] of Object.entries(body)) if (!META.has(k)) cfg[k] = v;
      new C(stack, id, conv(cfg, 0));
    }
  }
  for (const [id, body] of Object.entries(json.output ?? {})) new TerraformOutput(stack, id, { value: body.value });
}
app.synth();
