// A tiny WebSocket echo server on 127.0.0.1 for `npm run bench` (its own process, so the
// benchmark's client and the echo do not share an event loop). Prints one JSON line
// `{"event":"listening","port":N}`; SIGTERM ends it.
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  // Nagle would hold small echoes back until the peer's delayed ACK.
  req.socket.setNoDelay(true);
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', (err) => process.stderr.write(`ws-echo: ${err.message}\n`));
});
wss.on('listening', () => {
  const addr = wss.address();
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', port: typeof addr === 'object' ? addr.port : 0 })}\n`,
  );
});
process.once('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate();
  wss.close(() => process.exit(0));
});
