// Runs kinesalite (in memory) listening on one host only; its own CLI listens on every interface.
// Started detached by local/services/kinesis.ts: node kinesalite-server.mjs <host> <port> <createStreamMs> <deleteStreamMs> <updateStreamMs>
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const kinesalite = require('kinesalite');

const [host = '127.0.0.1', port = '4567', createMs = '50', deleteMs = '50', updateMs = '50'] = process.argv.slice(2);
const server = kinesalite({
  createStreamMs: Number(createMs),
  deleteStreamMs: Number(deleteMs),
  updateStreamMs: Number(updateMs),
  shardLimit: 100,
});
server.on('error', (err) => {
  console.error(`kinesalite: ${err.message}`);
  process.exit(1);
});
server.listen(Number(port), host, () => {
  const a = server.address();
  console.log(`kinesalite listening at http://${a.address}:${a.port}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => server.close(() => process.exit(0)));
  process.on(sig, () => setTimeout(() => process.exit(0), 2000).unref());
}
