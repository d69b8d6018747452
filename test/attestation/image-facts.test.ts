import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageFacts } from '../../src/attestation';
import { isPinnedImage } from '../../src/attestation/image-reference';
import { imageNameForms } from '../../src/attestation/image-reference';

// Known answers from `sha256sum` of the files under fixtures/image (a docker manifest list, its linux/amd64
// manifest and that manifest's config, the config with a trailing newline as served).
const DIR = join(__dirname, 'fixtures/image');
const INDEX_DIGEST = '6b396131129585ca5c4202dfffa7e14ceb051df1dfc2dc6d87aa56c295610343';
const MANIFEST_DIGEST = '3ca8e39c0adabb00c71031702dc697b9935c669b95202c24c3319d66abad5c47';
const read = (name: string): Buffer => readFileSync(join(DIR, name));
const byIndex = `registry.example.com/team/server:1.4@sha256:${INDEX_DIGEST}`;
const byManifest = `registry.example.com/team/server@sha256:${MANIFEST_DIGEST}`;

describe('image facts', () => {
  test('GIVEN an index digest WHEN the index, its amd64 manifest and the config match THEN the config facts are read', () => {
    const facts = ImageFacts.fromDirectory(byIndex, DIR);
    expect(facts.image).toBe(byIndex);
    expect(facts.entrypoint).toEqual(['/opt/app/bin/server']);
    expect(facts.cmd).toEqual(['--port', '8080']);
    expect(facts.env).toEqual(['PATH=/opt/app/bin:/usr/bin:/bin', 'APP_MODE=production']);
    expect(facts.workingDir).toBe('/opt/app');
    expect(facts.user).toBe('1000:1000');
  });

  test('a manifest digest needs no index', () => {
    const facts = ImageFacts.verify(byManifest, { manifest: read('manifest.json'), config: read('config.json') });
    expect(facts.cmd).toEqual(['--port', '8080']);
  });

  test('one trailing newline added by a tool is tolerated, the hash is still over the served bytes', () => {
    const facts = ImageFacts.verify(byManifest, { manifest: Buffer.concat([read('manifest.json'), Buffer.from('\n')]), config: read('config.json') });
    expect(facts.workingDir).toBe('/opt/app');
  });

  test('fails when the manifest is not the one the digest names', () => {
    const other = `registry.example.com/team/server@sha256:${'a'.repeat(64)}`;
    expect(() => ImageFacts.verify(other, { manifest: read('manifest.json'), config: read('config.json') })).toThrow(
      new RegExp(`imageFacts.manifest: has sha256 ${MANIFEST_DIGEST}, but the manifest digest is a{64}; these are not the documents of this image`),
    );
  });

  test('fails when the config was reformatted (one changed byte)', () => {
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(read('config.json').toString())));
    expect(() => ImageFacts.verify(byManifest, { manifest: read('manifest.json'), config: reformatted })).toThrow(
      /imageFacts.config: has sha256 [0-9a-f]{64}, but the config digest is 7b228fbd/,
    );
  });

  test('fails when the config was edited to change the entrypoint', () => {
    const edited = Buffer.from(read('config.json').toString().replace('/opt/app/bin/server', '/bin/sh'));
    expect(() => ImageFacts.verify(byManifest, { manifest: read('manifest.json'), config: edited })).toThrow(/imageFacts.config: has sha256/);
  });

  test('fails when the digest names an index but only a manifest was saved, naming the fix', () => {
    expect(() => ImageFacts.verify(byIndex, { manifest: read('index.json'), config: read('config.json') })).toThrow(
      /imageFacts.manifest: is an image index: .* save that document as index.json and the linux\/amd64 manifest as manifest.json/,
    );
  });

  test('fails when the index has no linux/amd64 manifest', () => {
    const index = JSON.parse(read('index.json').toString());
    index.manifests = index.manifests.filter((m: { platform: { architecture: string } }) => m.platform.architecture !== 'amd64');
    const text = JSON.stringify(index);
    const image = `registry.example.com/team/server@sha256:${createHash('sha256').update(text).digest('hex')}`;
    expect(() => ImageFacts.verify(image, { index: text, manifest: read('manifest.json'), config: read('config.json') })).toThrow(
      /imageFacts.index: must list exactly one linux\/amd64 manifest/,
    );
  });

  test('fails when a file is missing, with the commands that save it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facts-'));
    expect(() => ImageFacts.fromDirectory(byManifest, dir)).toThrow(
      /imageFacts.manifest: .*manifest.json does not exist; save the image's registry documents .*crane manifest registry.example.com/,
    );
  });

  test('fails for an image that is not pinned', () => {
    expect(() => ImageFacts.verify('registry.example.com/team/server:1.4', { manifest: '{}', config: '{}' })).toThrow(
      /imageFacts.image: must be a fully qualified image pinned by digest/,
    );
  });
});

describe('image references', () => {
  const d = '0'.repeat(64);
  test.each([
    [`registry.local:5000/team/app:1.2@sha256:${d}`, true],
    [`example.azurecr.io/app@sha256:${d}`, true],
    [`localhost/app@sha256:${d}`, true],
    [`library/nginx@sha256:${d}`, false],
    [`app@sha256:${d}`, false],
    [`example.azurecr.io/app:1.0`, false],
    [`Example.azurecr.io/app@sha256:${d}`, false],
  ])('%s pinned: %s', (image, expected) => {
    expect(isPinnedImage(image)).toBe(expected);
  });

  test('a reference with tag and digest is also reported without its tag (containerd 1.7)', () => {
    expect(imageNameForms(`example.azurecr.io/app:1.2@sha256:${d}`)).toEqual([
      `example.azurecr.io/app:1.2@sha256:${d}`,
      `example.azurecr.io/app@sha256:${d}`,
    ]);
    expect(imageNameForms(`example.azurecr.io/app@sha256:${d}`)).toEqual([`example.azurecr.io/app@sha256:${d}`]);
  });
});
