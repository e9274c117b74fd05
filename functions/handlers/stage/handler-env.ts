// The environment variable that names a stage function's stage (read by handler.ts, set by infra/).
export const STAGE_ENV = 'OBSERVATORY_STAGE';
