import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

// A development server for the site's browser code, over a lake the pipeline has published:
//   node bin/observatory.mjs --lake /tmp/site-lake start --no-serve
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
      server.middlewares.use(async (req, res, next) => {
        const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
        if (!url.endsWith('/') && !url.endsWith('.html')) return next();
        const file = path.join(SITE, url, url.endsWith('/') ? 'index.html' : '');
        if (!file.startsWith(SITE + path.sep)) return next();
        let page: string;
        try {
          page = await readFile(file, 'utf8');
        } catch {
          return next();
        }
        page = page
          .replace(/(?:\.\.\/)*assets\/(map|commune)-[A-Z0-9]+\.js/g, '/src/$1.ts')
          .replace(/(?:\.\.\/)*assets\/styles-[A-Z0-9]+\.css/g, '/src/styles.css');
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(await server.transformIndexHtml(url, page));
      });
    },
  };
}

export default defineConfig({
  root: WEB,
  publicDir: SITE,
  server: { host: '127.0.0.1', port: 5173, strictPort: false },
  plugins: [publishedPages()],
});
