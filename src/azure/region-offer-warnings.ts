import { Annotations, IConstruct } from '../internal/cdktf';
import { ConstructValidationError, isToken } from '../internal/validation';
import { REGION_OFFERS_CONTEXT_KEY, parseConfirmedRegions, regionOfferWarning } from './region-offers';
import { ConfidentialVmSize } from './vm-sizes';

/**
 * Warns on `scope` for each size of `sizes` (each with its field, `instanceSizes[1]`) in `location` that the table of
 * region offers (src/azure/region-offers.ts) does not list, nor the regions the app confirmed in the
 * `confidential-ai:regionOffers` context. A warning, never an
 * error: the table lists regions known to offer a family, not every one. A location known only at apply is not judged.
 * The context value is checked when read: a wrong one fails naming `type`, the path, the key, the value and the fix.
 */
export function warnOfRegionOffers(
  scope: IConstruct,
  type: string,
  sizes: ReadonlyArray<readonly [field: string, size: ConfidentialVmSize]>,
  location: string,
): void {
  const parsed = parseConfirmedRegions(scope.node.tryGetContext(REGION_OFFERS_CONTEXT_KEY));
  if ('problem' in parsed) throw new ConstructValidationError(scope.node.path, type, parsed.field, parsed.problem);
  if (isToken(location)) return;
  const names = new Set<string>();
  for (const [field, size] of sizes) {
    if (names.has(size.name)) continue;
    names.add(size.name);
    const warning = regionOfferWarning(size, location, parsed.confirmed);
    if (warning !== undefined) Annotations.of(scope).addWarning(`${field}: ${warning}`);
  }
}
