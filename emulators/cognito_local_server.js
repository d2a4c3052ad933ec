// Runs cognito-local (an independent Cognito user pools implementation) on 127.0.0.1 and a free
// port, with its state in a fresh temporary directory, prints its URL on one line, and serves
// until stdin closes: the contract of harness/control_plane/backends/emulator_process.py.
// Its tokens' issuer is its own URL (TokenConfig.IssuerDomain, cognito-local's setting). Its
// OpenID configuration names http://localhost:9229 whatever the port, so this launcher answers
// that one document with the issuer its tokens carry; every other request is cognito-local's.
const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");
const pino = require("pino");

const OPENID = /^\/([^/?]+)\/\.well-known\/openid-configuration(\?.*)?$/;
const server = http.createServer();
const state = fs.mkdtempSync(path.join(os.tmpdir(), "cognito-local-"));

function stop() {
  fs.rmSync(state, { recursive: true, force: true });
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}

server.listen(0, "127.0.0.1", async () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  fs.mkdirSync(path.join(state, ".cognito"));
  fs.writeFileSync(
    path.join(state, ".cognito", "config.json"),
    JSON.stringify({ TokenConfig: { IssuerDomain: url } }),
  );
  process.chdir(state);
  const { createDefaultServer } = require("cognito-local/lib/server");
  const cognito = await createDefaultServer(pino({ level: "warn" }, process.stderr));
  server.on("request", (req, res) => {
    const openid = req.method === "GET" && OPENID.exec(req.url);
    if (!openid) return cognito.application(req, res);
    const issuer = `${url}/${openid[1]}`;
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ["RS256"],
    }));
  });
  process.stdout.write(`${url}\n`);
});
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
