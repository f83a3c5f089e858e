/** Types of scripts/deps/licences.mjs (for the TypeScript specs that import it). */
export interface InstalledPackage {
  name: string;
  version: string;
  licence: string;
}
export declare const ALLOWED_LICENCES: readonly string[];
export declare function licenceOf(manifest: { license?: unknown; licenses?: unknown }): string;
export declare function isAllowed(expression: string | undefined, allowed?: readonly string[]): boolean;
export declare function renderLicenceList(packages: readonly InstalledPackage[]): string;
export declare function refusedLicences(packages: readonly InstalledPackage[], allowed?: readonly string[]): InstalledPackage[];
