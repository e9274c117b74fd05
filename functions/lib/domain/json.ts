// Reading parsed JSON of unknown shape: the narrowing every reader of a source document uses.

/** a JSON object (not null, not an array), its fields still to be checked */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
