import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const api = 'http://127.0.0.1:3000';
const ANTD = /node_modules[\\/](antd|@ant-design|@rc-component|rc-[\w-]+|@babel[\\/]runtime|classnames|clsx|dayjs|throttle-debounce|scroll-into-view-if-needed|compute-scroll-into-view|stylis|@emotion)[\\/]/;

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { '/api': api, '/healthz': api, '/readyz': api },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // scripts/bundle-size.mjs reads the manifest to measure what each route loads.
    manifest: true,
    rolldownOptions: {
      output: {
        // entriesAware chunks are named after every route sharing them; keep file names short.
        chunkFileNames: (c) => `assets/${c.name.startsWith('vendor-antd~') ? 'vendor-antd' : '[name]'}-[hash].js`,
        codeSplitting: {
          groups: [
            // React + router change rarely: one long-cached chunk every route needs.
            { name: 'vendor-react', test: /node_modules[\\/](react|react-dom|react-router|scheduler|cookie|set-cookie-parser)[\\/]/, priority: 4 },
            { name: 'vendor-i18n', test: /node_modules[\\/](i18next|react-i18next|html-parse-stringify|void-elements)[\\/]/, priority: 3 },
            // antd pieces the shell itself needs (ConfigProvider, App, message, cssinjs, locales).
            { name: 'vendor-antd-core', test: ANTD, tags: ['$initial'], priority: 2 },
            // The rest of antd is grouped by which routes use it, so Table/Drawer code stays
            // out of the login route; tiny groups are merged to avoid a swarm of requests.
            { name: 'vendor-antd', test: ANTD, entriesAware: true, entriesAwareMergeThreshold: 20_000, priority: 1 },
          ],
        },
      },
    },
  },
});
