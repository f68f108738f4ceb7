import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest, RequestSigningArguments } from '@smithy/types';

/**
 * Stands in for `@aws-sdk/signature-v4-multi-region` in every function bundle (infra/function-bundling.ts),
 * the signer of the EventBridge client. It signs with SigV4A only for a request to every region at once
 * (`*`: a PutEvents to a global endpoint, with an `EndpointId`, which leadflow never sends), and then only
 * with `@aws-sdk/signature-v4-crt` or `@aws-sdk/signature-v4a` loaded, which no bundle carries: it throws
 * there, as this does. Every other request it signs with SigV4, as this does. Bundled, it is 3 KB.
 */
export class SignatureV4MultiRegion {
  readonly #sigv4: SignatureV4;

  constructor(options: ConstructorParameters<typeof SignatureV4>[0]) {
    this.#sigv4 = new SignatureV4(options);
  }

  /** No SigV4A implementation: the client then picks SigV4 wherever an endpoint offers both. */
  static sigv4aDependency(): 'none' {
    return 'none';
  }

  async sign(request: HttpRequest, options: RequestSigningArguments = {}): Promise<HttpRequest> {
    if (options.signingRegion === '*') {
      throw new Error('leadflow function bundles sign with SigV4 only: no call they make goes to a multi-region endpoint (infra/sdk-replacements/sigv4-only.ts)');
    }
    return this.#sigv4.sign(request, options);
  }
}
