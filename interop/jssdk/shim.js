// Browser globals the official SDK expects, for running it under Node 20.
const mkStore = () => { const m = new Map(); return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k), clear: () => m.clear(), key: (i) => [...m.keys()][i] ?? null, get length() { return m.size; } }; };
globalThis.window = globalThis;
globalThis.localStorage = mkStore();
globalThis.sessionStorage = mkStore();
// Telemetry probes the page (document, matchMedia, screen): an empty page answers them.
globalThis.document = { querySelector: () => null, querySelectorAll: () => [], referrer: '', title: '', cookie: '' };
globalThis.matchMedia = () => ({ matches: false });
globalThis.screen = { width: 1280, height: 800 };
globalThis.location = new URL('http://localhost/');
if (!globalThis.navigator) globalThis.navigator = { userAgent: 'node', language: 'en' };
// The SDK passes referrer: "no-referrer" (a policy, not a URL), which browsers tolerate and Node's
// fetch rejects: move it to referrerPolicy.
const nodeFetch = globalThis.fetch;
globalThis.fetch = (url, opts) => {
  if (opts && opts.referrer === 'no-referrer') { opts = { ...opts, referrerPolicy: 'no-referrer' }; delete opts.referrer; }
  if (process.env.DEBUG_FETCH) console.error('fetch', opts && opts.method, String(url));
  return nodeFetch(url, opts);
};
// The SDK fires onConnected when the socket opens, before the service accepts the auth frame, and
// exposes no "authenticated" event. interop.js waits for the auth reply seen here before it sends
// frames of its own, as an application would have to.
let authenticated;
globalThis.cometchatAuthenticated = new Promise((r) => { authenticated = r; });
if (globalThis.WebSocket) {
  const NodeWebSocket = globalThis.WebSocket;
  globalThis.WebSocket = class extends NodeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        try {
          const f = JSON.parse(e.data);
          if (f.type === 'auth' && f.body && f.body.status === 'OK') authenticated();
        } catch (_) { /* not JSON: the SDK handles it */ }
      });
    }
  };
}
