import { IResolvable, Lazy } from './cdktf';

/** A list attribute computed at synth time, converted with the provider's own struct-to-Terraform mapper. */
export function lazyList<T>(produce: () => T[], toTerraform: (item: T) => unknown): IResolvable {
  return Lazy.anyValue({ produce: () => produce().map(toTerraform) });
}
