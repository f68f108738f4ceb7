/**
 * Stands in for `@smithy/signature-v4`'s HeaderFormatter in every function bundle (infra/bundle-plugins.ts).
 * The signer formats headers in the binary event-stream encoding only to sign an event-stream message
 * (`signMessage`); requests are signed over their canonical text headers. No operation leadflow calls
 * has an event stream (infra/sdk-replacements/no-event-streams.ts). Bundled, it is 2.3 KB.
 */
export class HeaderFormatter {
  format(): never {
    throw new Error('leadflow function bundles leave out event-stream message signing: no operation they call uses an event stream (infra/bundle-plugins.ts)');
  }
}
