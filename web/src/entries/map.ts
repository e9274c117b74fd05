// The page's script entry: it loads the map's layer choice, tooltip and the communes table once the page is painted.
// The page reads without it (its figures are in the HTML); fetching it with the page would delay the
// first paint on a slow phone connection (Lighthouse's simulated slow 4G: the largest paint waited for
// the scripts' download). Two frames: the callback of the next animation frame runs before that frame
// is painted, the timeout after it.
requestAnimationFrame(() => setTimeout(() => void import('../map.ts')));
