import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

// A development server for the site's browser code, over a lake the pipeline has published:
//   node bin/observatory.cjs --lake /tmp/site-lake start --no-serve
//   OBSERVATORY_LAKE=/tmp/site-lake npx vite --config web/vite.config.ts
// Pages and data come from the lake's site/ folder; in each page the hashed scripts and stylesheet
// are swapped for web/src, so that an edit reloads at once. The production build is web/build.ts
// (esbuild), run by the publish stage: there is no `vite build` step.

const WEB = path.dirname(fileURLToPath(import.meta.url));
const SITE = path.join(path.resolve(process.env.OBSERVATORY_LAKE ?? path.join(WEB, '..', '.lake')), 'site');

function publishedPages(): Plugin {
  return {
    name: 'observatory-published-pages',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        servePage(req.url ?? '/', (page) => server.transformIndexHtml(req.url ?? '/', page)).then(
          (page) => {
            if (page === undefined) return next();
            res.setHeader('content-type', 'text/html; charset=utf-8');
            res.end(page);
          },
          (e: unknown) => next(e),
        );
      });
    },
  };
}

/** a published page with web/src swapped in for its hashed assets; undefined when the path is not one */
async function servePage(requested: string, transform: (page: string) => Promise<string>): Promise<string | undefined> {
  const url = decodeURIComponent(requested.split('?')[0] ?? '/');
  if (!url.endsWith('/') && !url.endsWith('.html')) return undefined;
  const file = path.join(SITE, url, url.endsWith('/') ? 'index.html' : '');
  if (!file.startsWith(SITE + path.sep)) return undefined;
  let page: string;
  try {
    page = await readFile(file, 'utf8');
  } catch {
    return undefined; // not a published page: vite serves the path
  }
  page = page
    .replace(/(?:\.\.\/)*assets\/(map|commune)-[A-Z0-9]+\.js/g, '/src/$1.ts')
    .replace(/(?:\.\.\/)*assets\/styles-[A-Z0-9]+\.css/g, '/src/styles.css');
  return await transform(page);
}

export default defineConfig({
  root: WEB,
  publicDir: SITE,
  server: { host: '127.0.0.1', port: 5173, strictPort: false },
  plugins: [publishedPages()],
});
