// One lint config for the whole tree. The layer rules are the point: core/ is a
// plain-Node engine and must never reach up into electron/ or renderer/, and the
// renderer only knows core's contracts (it runs in a browser too).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const coreForbidden = {
  paths: [
    { name: 'electron', message: 'core/ runs without Electron: go through electron/ipc.ts instead.' },
    { name: 'react', message: 'core/ is headless: UI code belongs in renderer/.' },
    { name: 'react-dom', message: 'core/ is headless: UI code belongs in renderer/.' },
  ],
  patterns: [
    {
      group: ['**/renderer/**', '**/electron/**'],
      message: 'core/ must not import from renderer/ or electron/.',
    },
  ],
};

const rendererForbidden = {
  paths: [{ name: 'electron', message: 'The renderer talks to main only through the preload bridge.' }],
  patterns: [
    { group: ['node:*'], message: 'The renderer runs in a browser: no Node built-ins.' },
    {
      regex: '(^|/)core/(?!contracts/)',
      message: 'The renderer may import only core/contracts, never the engine.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'dist-electron/**', '.cache/**', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
      parserOptions: {
        // Type information for the async rules below. Each file is typed by its nearest
        // tsconfig.json (renderer/tsconfig.json extends tsconfig.web.json). The lint tests'
        // in-memory probes are in no tsconfig: they get a default project
        // with the web options (DOM types, so event-listener callbacks are checked too).
        projectService: {
          allowDefaultProject: ['test/core/lint-probes/*.ts'],
          defaultProject: 'tsconfig.web.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // A promise nobody awaits or catches turns a failure into silence (an unhandled
      // rejection, a step reported done before it ran). See test/core/lint-rules.test.ts.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // A new status or event type must be handled everywhere it is switched on; a switch
      // with a `default` has decided what the rest means.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
    },
  },
  { files: ['core/**/*.ts'], rules: { 'no-restricted-imports': ['error', coreForbidden] } },
  { files: ['renderer/**/*.{ts,tsx}'], rules: { 'no-restricted-imports': ['error', rendererForbidden] } },
  {
    files: ['bin/**/*.mjs', 'scripts/**/*.{js,mjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  // Plain-JS launchers outside every tsconfig: a few top-level awaits, nothing that can float.
  // Typing bin/ would build a second program of all of core/ (+5 s per lint run) for nothing.
  { files: ['*.js', 'bin/**/*.mjs', 'scripts/**/*.{js,mjs}'], ...tseslint.configs.disableTypeChecked },
);
