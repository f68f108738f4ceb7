/**
 * Stands in for `@smithy/core`'s pure-JavaScript SHA-256 in every function bundle
 * (infra/bundle-plugins.ts). The SDK hashes with Node's `crypto` and falls back to this class only on a
 * Node built without it; Lambda's Node.js 22 has it. Bundled, the fallback is 3 KB.
 */
export class Sha256Js {
  constructor() {
    throw new Error("leadflow function bundles hash with Node's crypto only: this Node has none (infra/sdk-replacements/node-crypto-sha256.ts)");
  }
}
