/**
 * Stands in for `@smithy/core`'s web-stream and Blob handling (`stream-collector.browser.js`,
 * `sdk-stream-mixin.browser.js`) in every function bundle (infra/bundle-plugins.ts). The Node versions
 * of those modules reach it only for a body that is a web ReadableStream or a Blob; the SDK's Node
 * HTTP handler, the one leadflow's clients use, answers with a Node stream, and no operation leadflow
 * sends streams a body. Bundled, it is 1.3 KB.
 */
const unsupported = (): never => {
  throw new Error('leadflow function bundles read response bodies as Node streams only (infra/sdk-replacements/node-streams-only.ts)');
};

export const streamCollector = unsupported;
export const collectBlob = unsupported;
export const collectReadableStream = unsupported;
export const sdkStreamMixin = unsupported;
