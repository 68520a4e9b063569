// Preloaded into a benchmarked process (node -r): reports its peak memory on exit, with its
// process id (a command may run again in a child process given other V8 flags).
process.on("exit", () => process.stderr.write(`\nmaxrss-kb ${process.resourceUsage().maxRSS} pid ${process.pid}\n`));
