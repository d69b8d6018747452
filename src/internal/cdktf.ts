// Every cdktf core symbol the library uses comes through here, so a move to the cdktn fork is one diff.
export {
  Annotations,
  App,
  Aspects,
  Fn,
  Lazy,
  TerraformElement,
  TerraformProvider,
  TerraformResource,
  TerraformStack,
  Testing,
  Token,
  Tokenization,
} from 'cdktf';
export type { IAspect, IResolvable, ITerraformDependable } from 'cdktf';
export { Construct } from 'constructs';
export type { IConstruct } from 'constructs';
