#!/usr/bin/env node
// The command line runs the compiled core (npm install builds it through the prepare script).
// The Node version is checked before the core is loaded: on an older Node the SQLCipher binding
// crashes the process with no message at all. Hence the dynamic imports.
const { nodeTooOld } = await import('../dist/electron/node-version.js');
const tooOld = nodeTooOld();
if (tooOld) {
  process.stderr.write(`phr-vault: ${tooOld}\n`);
  process.exit(1);
}
const { main } = await import('../dist/electron/cli/phr-vault.js');
process.exitCode = await main(process.argv);
