#!/usr/bin/env node
// The local CLI: the action's pipeline on a laptop, with flags named like the inputs.
import '../dist/cli/index.js';
