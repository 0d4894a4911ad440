import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'core/**/*.test.ts'],
    globalSetup: ['test/setup/global-services.ts', 'test/setup/ui-bundle.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // 2 cores: keep the fork pool small so the mover and emulators are not starved.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
