// The engine process's entry point (bundled to dist-electron/engine.js).
import { parentPort, runEngine } from './host.ts';

runEngine(parentPort());
