import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` proxies the APIs and /config.json to a running `make run` gateway.
const gateway = process.env.EWC_GATEWAY ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  // nhsuk-frontend's CSS comes minified, with old-browser hacks lightningcss refuses.
  build: { outDir: 'dist', sourcemap: true, cssMinify: false, chunkSizeWarningLimit: 1024 },
  server: {
    port: 5173,
    proxy: { '/api': gateway, '/config.json': gateway },
  },
});
