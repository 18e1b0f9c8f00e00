import { runCli } from "./run";

/** The `memtrace` command: `npm start` runs `memtrace serve`. */
runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
