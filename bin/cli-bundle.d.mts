// Types of cli-bundle.mjs (plain JavaScript: it runs before any TypeScript loader is there).
export declare const ROOT: string;
export declare const BUNDLE_DIR_ENV: string;
export declare const TRACE_ENV: string;
export declare const MANIFEST: string;
export declare function bundleDir(): string;
export declare function sourcesHash(files: readonly string[]): string;
export declare function fileStamp(file: string): string;
export declare function freshBundle(dir?: string): { entry: string; stale?: undefined } | { entry?: undefined; stale: string };
