// The page's script entry: it loads the commune page's live panels (« les 3 prochains jours », « données
// au »), charts and search once the page is painted. The page reads without it (its figures are in the
// HTML); fetching it with the page would delay the first paint on a slow phone connection (Lighthouse's
// simulated slow 4G: the largest paint, the reference-station note, waited for the scripts' download).
// Two frames: the callback of the next animation frame runs before that frame is painted, the timeout after it.
requestAnimationFrame(() => setTimeout(() => void import('../commune.ts')));
