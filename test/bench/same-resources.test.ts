import { buildReferenceApp } from '../../examples/reference/app';
import { replay } from '../../bench/apps/same-resources';
import { synthApp } from '../helpers/synth';

/** A stack without cdktf's metadata (`//`): what Terraform reads. */
function terraformView(text: string): unknown {
  return JSON.parse(text, (key, value: unknown) => (key === '//' ? undefined : value));
}

describe("the bench's same-resources floor", () => {
  const reference = synthApp((app) => void buildReferenceApp(app));
  const stacks = Object.fromEntries(Object.entries(reference).map(([name, text]) => [name, JSON.parse(text)]));

  test.each(['typed', 'generic'] as const)('GIVEN the synthesized reference app WHEN replayed %s THEN it synthesizes the same stacks', (mode) => {
    const replayed = synthApp((app) => replay(app, stacks, mode));
    expect(Object.keys(replayed)).toEqual(Object.keys(reference));
    for (const name of Object.keys(reference)) {
      expect(terraformView(replayed[name])).toEqual(terraformView(reference[name]));
    }
  });
});
