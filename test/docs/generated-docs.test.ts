import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSecurityDoc, renderSecurityRules } from '../../scripts/security-rules';
import { renderWorkedExample } from '../../scripts/worked-example';
import { pcr8OfBytes, sha256sum } from '../helpers/external';

const DOC = readFileSync(join(__dirname, '..', '..', 'docs', 'worked-example.md'), 'utf8');

describe('docs/worked-example.md', () => {
  test('is what the code renders today (run `npm run docs` after changing the core)', () => {
    expect(DOC).toBe(renderWorkedExample());
  });

  test('its digest and PCR 8 are what sha256sum computes from its TOML block', () => {
    const toml = DOC.split('```toml\n')[1].split('```')[0];
    expect(DOC).toContain(`sha256 of those exact bytes: \`${sha256sum(toml)}\``);
    expect(DOC).toContain(`sha256(32 zero bytes || digest): \`${pcr8OfBytes(toml)}\``);
  });
});

describe('docs/security.md', () => {
  test('lists exactly the rules the baseline checks today (run `npm run docs`)', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'security.md'), 'utf8');
    expect(doc).toBe(renderSecurityDoc(doc));
    expect(doc).toContain(renderSecurityRules());
  });
});
