/**
 * Stands in for `@smithy/core`'s pure-JavaScript MD5 in every function bundle (infra/bundle-plugins.ts).
 * The SQS client's MD5 (for message body checksums) uses Node's `crypto` and falls back to this class
 * only on a Node that refuses MD5 (built without it, or in FIPS mode); Lambda's Node.js 22 is neither.
 * Bundled, the fallback is 1.4 KB of every queue consumer.
 */
export class Md5Js {
  constructor() {
    throw new Error("leadflow function bundles hash with Node's crypto only: this Node has no MD5 (infra/sdk-replacements/node-crypto-md5.ts)");
  }
}
