#!/usr/bin/env node
// Compiles the Solidity sources with the pinned solc (package.json) through its standard-JSON
// interface and writes one <Contract>.abi (JSON) and <Contract>.bin (hex creation bytecode) per
// contract, the inputs of `go tool abigen --v2`. Run by gen.sh; see there.
//
//   node compile.js <out-dir> <source-dir>
//
// The settings below are part of the build: changing them changes the committed artifacts.
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

const SETTINGS = {
  // Cancun is the oldest fork whose opcodes (PUSH0, MCOPY) solc 0.8.37 uses; the bytecode runs on
  // mainnet (Osaka) and on any chain at Cancun or later, consortium chains included.
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 10000 },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
};

function main() {
  const [outDir, srcDir] = process.argv.slice(2);
  if (!outDir || !srcDir) {
    console.error('usage: node compile.js <out-dir> <source-dir>');
    process.exit(2);
  }
  const here = __dirname;
  const sources = {};
  for (const f of fs.readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort()) {
    // Source unit names are relative to this folder, so the metadata hash in the bytecode does
    // not depend on where the repository is checked out.
    const name = path.relative(here, path.resolve(srcDir, f)).split(path.sep).join('/');
    sources[name] = { content: fs.readFileSync(path.join(srcDir, f), 'utf8') };
  }
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));

  let failed = false;
  for (const e of output.errors || []) {
    console.error(e.formattedMessage || e.message);
    if (e.severity === 'error') failed = true;
  }
  if (failed) process.exit(1);

  fs.mkdirSync(outDir, { recursive: true });
  for (const unit of Object.keys(output.contracts).sort()) {
    for (const [name, c] of Object.entries(output.contracts[unit])) {
      const bin = c.evm.bytecode.object;
      if (!bin) continue; // interfaces and abstract contracts
      fs.writeFileSync(path.join(outDir, name + '.abi'), JSON.stringify(c.abi, null, 1) + '\n');
      fs.writeFileSync(path.join(outDir, name + '.bin'), bin + '\n');
    }
  }
}

main();
