// The worker entry of ThreadedArcEngine (../threaded-engine.ts). A worker thread starts without
// the loader of whatever started the server (tsx for `npm start`, vite-node under vitest, plain
// node with `--import tsx`), so this plain-JS file registers tsx itself before importing the
// TypeScript engine. tsx is a runtime dependency for exactly this.
import { register } from "tsx/esm/api";

register();
await import("./engine-thread.ts");
