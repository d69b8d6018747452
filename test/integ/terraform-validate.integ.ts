import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Opt-in: `TERRAFORM_BINARY_NAME=terraform npm run test:integ` (or `tofu`). Needs network access to the
// provider registry for `init`; validates the synthesized stacks against the real provider schemas.
const terraform = process.env.TERRAFORM_BINARY_NAME;
const suite = terraform ? describe : describe.skip;

suite('synthesized stacks validate with Terraform', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'cai-synth-'));

  beforeAll(() => {
    execFileSync('node', ['scripts/run-app.cjs', 'examples/reference/main.ts'], {
      env: { ...process.env, CDKTF_OUTDIR: outdir, CAI_STATE_STORAGE_ACCOUNT: '' },
      stdio: 'inherit',
    });
  });

  test.each(['infra'])('%s: terraform init -backend=false && terraform validate', (stack) => {
    const cwd = join(outdir, 'stacks', stack);
    execFileSync(terraform!, ['init', '-backend=false', '-input=false'], { cwd, stdio: 'inherit' });
    const out = execFileSync(terraform!, ['validate', '-json'], { cwd }).toString();
    expect(JSON.parse(out)).toMatchObject({ valid: true, error_count: 0 });
  });
});
