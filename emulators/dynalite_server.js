// Runs dynalite (an independent DynamoDB implementation) in memory on 127.0.0.1 and a free port,
// prints its URL on one line, and serves until stdin closes: the contract of
// harness/control_plane/backends/emulator_process.py.
const dynalite = require("dynalite");

const server = dynalite({ createTableMs: 500, deleteTableMs: 500, updateTableMs: 500 });
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}\n`);
});
process.stdin.on("end", () => server.close(() => process.exit(0)));
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();
