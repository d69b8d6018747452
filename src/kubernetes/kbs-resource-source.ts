/** Where the bytes of a KBS resource come from. None of them puts the secret into Terraform state. */
export class ResourceSource {
  /**
   * The model owner writes the resource into the KBS out of band, with the admin key, using the command that
   * `Trustee.setResourceCommand(path)` prints. The secret never touches Terraform or Kubernetes objects.
   */
  public static outOfBand(): ResourceSource {
    return new ResourceSource({ kind: 'out-of-band' });
  }

  /**
   * A key of an existing Kubernetes Secret in the Trustee namespace (created with kubectl or an external
   * secrets operator, not by Terraform). Copied into the KBS storage when the KBS pod starts.
   */
  public static kubernetesSecret(secretName: string, key: string): ResourceSource {
    return new ResourceSource({ kind: 'kubernetes-secret', secretName, key });
  }

  private constructor(
    /** The source, as data. */
    public readonly spec: { readonly kind: 'out-of-band' } | { readonly kind: 'kubernetes-secret'; readonly secretName: string; readonly key: string },
  ) {}

  /** A stable description, to compare two declarations of one path. */
  public describe(): string {
    return this.spec.kind === 'out-of-band' ? 'out of band' : `Kubernetes Secret ${this.spec.secretName}[${this.spec.key}]`;
  }
}
