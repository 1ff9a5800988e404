#!/usr/bin/env node
// The command line runs the compiled core (npm install builds it through the prepare script).
import { main } from '../dist/electron/cli/phr-vault.js';

process.exitCode = await main(process.argv);
