const v8 = require('v8');
exports.report = (label) => {
  setInterval(() => {}, 1000);
  setTimeout(() => {
    global.gc && global.gc();
    const m = process.memoryUsage();
    const hs = v8.getHeapSpaceStatistics().map(s => `${s.space_name.replace('_space','')}=${(s.space_used_size/1048576).toFixed(1)}/${(s.physical_space_size/1048576).toFixed(1)}`).join(' ');
    const st = require('fs').readFileSync('/proc/self/status','utf8').match(/VmRSS:\s+(\d+)/)[1];
    console.log(`${label}: rss ${(st/1024).toFixed(1)} MB heapUsed ${(m.heapUsed/1048576).toFixed(1)} heapTotal ${(m.heapTotal/1048576).toFixed(1)} external ${(m.external/1048576).toFixed(1)} | ${hs}`);
    process.exit(0);
  }, 20000);
};
