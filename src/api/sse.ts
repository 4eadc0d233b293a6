import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * Opens a server-sent-events stream on `reply` (the reply is hijacked: Fastify sends nothing
 * more). `send` writes one event; a comment every 15 s keeps proxies from closing the stream.
 * `onClose` runs once, when the client leaves or `end` is called.
 */
export const openSse = (request: FastifyRequest, reply: FastifyReply, onClose: () => void) => {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(ping);
    onClose();
  };
  const ping = setInterval(() => res.write(": ping\n\n"), 15_000);
  request.raw.on("close", close);
  let id = 0;
  return {
    send: (event: string, data: unknown) => {
      if (closed) return;
      id++;
      res.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end: () => {
      if (closed) return;
      close();
      res.end();
    },
  };
};
