#!/usr/bin/env node
// The `datamotion` command: the TypeScript sources run as-is through tsx, so the CLI, the
// server and the tests execute the same code with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../core/cli/main.ts');
