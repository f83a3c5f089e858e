#!/usr/bin/env node
/** The esr-gateway command line (package.json "bin"). See README "Command line". */
import { runCli } from './program';

void runCli(process.argv).then((code) => {
  process.exitCode = code;
});
