/**
 * Stand-in for a package a Lambda bundle can reach but never runs (deploy/esbuild.cjs says which).
 * Using it throws, so a wrong assumption shows as a clear error rather than as wrong behaviour.
 */
'use strict';
function notBundled() {
  throw new Error('This package is left out of the Lambda bundle (deploy/esbuild.cjs); the code path that needs it should not run here.');
}
module.exports = new Proxy({}, { get: (_, k) => (k === '__esModule' ? false : k === 'then' ? undefined : notBundled) });
