/**
 * No test may reach the internet. Loaded by vitest (`setupFiles`) and by every CLI child a test
 * starts (`NODE_OPTIONS=--import`, see test/cli.ts): a connection to anything but a loopback
 * address fails loudly. In a CLI child the process exits at once with code 97 and a message on
 * stderr; in the test process the connection throws and the test fails (see test/setup.ts).
 */
import net from "node:net";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "0.0.0.0", "[::1]"]);

/** Attempts to reach a non-loopback host in this process. */
export const blockedConnections = [];

const hostOf = (args) => {
  // net.connect() passes its normalized arguments as one array.
  const [first, second] = Array.isArray(args[0]) ? args[0] : args;
  if (first && typeof first === "object" && !Array.isArray(first)) {
    if (first.path) return undefined; // a unix socket
    return { host: first.host ?? "localhost", port: first.port };
  }
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first)))
    return { host: typeof second === "string" ? second : "localhost", port: first };
  if (typeof first === "string") return undefined; // a unix socket path
  return undefined;
};

const isLoopback = (host) => LOOPBACK.has(host) || /^127\./.test(host) || host === "::ffff:127.0.0.1";

const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  const target = hostOf(args);
  if (target && !isLoopback(String(target.host))) {
    const what = `${target.host}:${target.port}`;
    blockedConnections.push(what);
    const message = `test tried to reach the internet (${what}); tests may only talk to local servers`;
    if (process.env.LOTWISE_TEST_CHILD === "1") {
      process.stderr.write(`lotwise-test: ${message}\n`);
      process.exit(97);
    }
    throw new Error(message);
  }
  return original.apply(this, args);
};
