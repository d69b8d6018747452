import { Construct } from 'constructs';
import { AzureTee } from '../../src/attestation/reference-values';
import { CONFIDENTIAL_WORKLOAD } from '../../src/kbs/key-broker';
import { IConfidentialWorkload } from '../../src/kbs/key-broker';

/**
 * A workload identity for KBS tests: a construct with a PCR 8, as a ConfidentialWorkload has, without a pod.
 * Its KBS name is `<construct path> (test/<id>)`; it marks itself as an IConfidentialWorkload, as ConfidentialWorkload does.
 */
export class TestWorkload extends Construct implements IConfidentialWorkload {
  public readonly workloadName: string;

  constructor(
    scope: Construct,
    id: string,
    public readonly pcr8: string,
    public readonly evidenceTypes: readonly AzureTee[] = [],
  ) {
    super(scope, id);
    this.workloadName = `test/${id}`;
    CONFIDENTIAL_WORKLOAD.implementedBy(this);
  }
}
