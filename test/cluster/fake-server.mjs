// A stand-in for `next start` in the cluster launcher's test: answers with its pid; /exit ends it;
// FAKE_FAIL_AT_START makes it fail the way a bad configuration does (a message, then exit code 3).
import http from "node:http";

if (process.env.FAKE_FAIL_AT_START) {
  console.error("fake server: bad configuration");
  process.exit(3);
}
const port = Number(process.argv[2]);
http
  .createServer((req, res) => {
    res.setHeader("connection", "close");
    if (req.url === "/exit") {
      res.end("bye", () => process.exit(1));
      return;
    }
    res.end(String(process.pid));
  })
  .listen(port);
