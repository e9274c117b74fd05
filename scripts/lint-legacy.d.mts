export declare const LEGACY_LIST: string;
export declare function contentHash(file: string): string;
export declare function readLegacy(): Record<string, string>;
export declare function untouchedLegacy(legacy?: Record<string, string>): string[];
