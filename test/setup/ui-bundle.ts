// Vitest global setup: builds the renderer bundle once per run when it is missing or older
// than its sources, so tests that start a server serve the current UI without each one
// building it (a build takes ~2 s here). Separate from global-services.ts on purpose.
import { ensureBundle } from '../../core/cli/ui-bundle.ts';

export default async function setup(): Promise<void> {
  await ensureBundle((line) => console.log(`[ui-bundle] ${line}`));
}
