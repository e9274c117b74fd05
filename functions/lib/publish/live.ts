// The small per-commune files of what changes with every run (forecasts, "data as of"): the commune
// page fetches its own, so that a new forecast rewrites these files, not the pages.

export const LIVE_DIR = 'data/live';
export const LIVE_PATH_PATTERN = `${LIVE_DIR}/{insee}.json`;
export const livePath = (insee: string): string => `${LIVE_DIR}/${insee}.json`;
