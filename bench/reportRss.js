// Preloaded by bench/run.ts into child processes: writes the peak RSS (KiB) at exit.
const fs = require("node:fs");
process.on("exit", () => {
  if (process.env.BENCH_RSS_FILE)
    fs.writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
