#!/usr/bin/env node
'use strict';
// The `conveyor` command: runs the built CLI (npm run build writes out/main/cli.js).
try {
  require.resolve('../out/main/cli.js');
} catch {
  process.stderr.write('conveyor: the CLI is not built yet: run `npm run build` (or `make build`) first\n');
  process.exit(1);
}
require('../out/main/cli.js');
