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
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['core/**/*.ts'], rules: { 'no-restricted-imports': ['error', coreForbidden] } },
  { files: ['renderer/**/*.{ts,tsx}'], rules: { 'no-restricted-imports': ['error', rendererForbidden] } },
  {
    files: ['bin/**/*.mjs', 'scripts/**/*.{js,mjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
