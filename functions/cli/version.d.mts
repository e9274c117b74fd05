// Types of version.mjs (plain JavaScript: bin/observatory.mjs runs it before any TypeScript loader is there).
export declare function packageVersion(): string;
export declare function asksVersionOnly(args: readonly string[]): boolean;
