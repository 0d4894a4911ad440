// Types for after-pack.mjs (an electron-builder hook, plain JS like the other scripts).
export interface AfterPackContextSubset {
  appOutDir: string;
  electronPlatformName: string;
  arch: number;
  packager: {
    getResourcesDir(appOutDir: string): string;
    info: { projectDir: string; framework: { version: string } };
  };
}
export declare function afterPack(context: AfterPackContextSubset): Promise<void>;
export default afterPack;
