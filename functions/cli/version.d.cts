// Types of version.cjs (plain JavaScript: bin/observatory.cjs runs it before any TypeScript loader is there).
export declare function packageVersion(): string;
export declare function asksVersionOnly(args: readonly string[]): boolean;
export declare const TRACE_ENV: string;
