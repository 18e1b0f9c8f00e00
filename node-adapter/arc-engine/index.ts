/** Public surface of the embedded Arc engine. */
export { ArcEngine } from "./engine";
export { ThreadedArcEngine, type RestartPolicy } from "./threaded-engine";
export { serveArcEngine, type ServeArcEngineOptions, type ServedArcEngine } from "./serve";
export {
  arcEngineOptionsSchema,
  consoleLogger,
  type ArcEngineLogger,
  type ArcEngineOptions,
  type ResolvedArcEngineOptions,
} from "./options";
