/**
 * The esbuild options of every Lambda bundle, in one place: serverless.yml reads them
 * (`custom.esbuild.config`, serverless-esbuild calls this module's export), and so do the
 * bundle-budget test (test/unit/bundles.test.ts) and `npm run bench` (bench/coldstart.ts).
 *
 * A Lambda's cold start is paid by tenants, and `require()` of a bundle costs about its size in
 * parse time plus what its modules do at load. So each bundle carries only what its handler's path
 * can reach, minified, without source maps:
 *
 * - @platformatic/kafka re-exports everything from one entry point (admin, consumer, producer, a
 *   Confluent schema-registry client with Avro (avsc) and JSON-schema (ajv) serializers). Its files
 *   have no side effects on import, so they are marked side-effect free (esbuild keeps only what is
 *   used), the schema-registry module is replaced by a stub that throws if constructed (Sluice never
 *   passes `registry`), and ajv, which the client uses only to validate its own options, by a
 *   validator that accepts (deploy/shims/ajv.cjs says why that is safe here).
 * - `bowser` (a browser user-agent parser the AWS SDK imports for browsers only) is left out, and so
 *   is the protobuf code of @datadog/sketches-js (the trend sketches are written without it).
 * - Source maps are not built: they were 4x the code in every zip. Stack traces in CloudWatch show
 *   the bundle's minified frames (`at Xe (/var/task/functions/ingest.cjs:1:52311)`); error names and
 *   messages are ours and survive minification. To map a frame back, build the same commit with
 *   `sourcemap: true` (esbuild output is deterministic) and look the position up in the map.
 *
 * Lazy paths (the Kinesis spill, S3 claim checks, MSK IAM signing) use dynamic `import()`. CommonJS
 * bundles cannot be split, so that code stays in the bundle, but esbuild wraps each lazily imported
 * module in an init function: it is parsed lazily and evaluated (SDK client modules set up, clients
 * constructed) only on first use.
 */
'use strict';
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const shim = (name) => path.join(__dirname, 'shims', name);

/**
 * Kafka protocol API families each function's clients call. The client looks its API implementations
 * up by name at run time (`apis[name + 'V' + version]`), so all of them are bundled unless told:
 * producer-only functions leave out the admin and consumer families (about 150 KB) and the
 * transaction APIs (the producer is idempotent, not transactional). A function
 * that calls an API left out fails with the client's "No usable implementation found for API X".
 * Functions not listed keep every family.
 */
const KAFKA_API_FAMILIES = {
  ingest: ['producer'],
  drain: ['producer'],
  process: ['producer'],
  deferred: ['producer'],
  archive: ['consumer'],
  setup: ['admin'],
};
const ALWAYS = ['metadata', 'security', 'telemetry'];

function functionOf(build) {
  const entries = build.initialOptions.entryPoints;
  const first = Array.isArray(entries) ? entries[0] : undefined;
  const file = typeof first === 'string' ? first : first?.in;
  return file ? path.basename(file).replace(/\.[cm]?[jt]s$/, '') : undefined;
}

/** @type {import('esbuild').Plugin} */
const kafkaClientTrimmed = {
  name: 'kafka-client-trimmed',
  setup(build) {
    const inKafka = /[\\/]node_modules[\\/]@platformatic[\\/]kafka[\\/]/;
    build.onLoad({ filter: /[\\/]@platformatic[\\/]kafka[\\/]dist[\\/]registries[\\/]confluent-schema-registry\.js$/ }, () => ({
      contents:
        'export class ConfluentSchemaRegistry { constructor() { throw new Error("The schema registry is not in this bundle (deploy/esbuild.cjs)."); } }',
      loader: 'js',
    }));
    const families = KAFKA_API_FAMILIES[functionOf(build)];
    if (families) {
      build.onLoad({ filter: /[\\/]@platformatic[\\/]kafka[\\/]dist[\\/]apis[\\/]index\.js$/ }, async (args) => {
        const fs = require('node:fs/promises');
        const keep = new Set([...families, ...ALWAYS]);
        const source = await fs.readFile(args.path, 'utf8');
        const contents = source.replace(/^export \* from "\.\/(\w+)\/index\.js";$/gm, (line, family) => (keep.has(family) ? line : `// ${family}: not in this bundle`));
        return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
      });
      // Sluice's producer is idempotent, never transactional: the transaction APIs stay out too.
      build.onLoad({ filter: /[\\/]@platformatic[\\/]kafka[\\/]dist[\\/]apis[\\/]producer[\\/]index\.js$/ }, async (args) => {
        const fs = require('node:fs/promises');
        const source = await fs.readFile(args.path, 'utf8');
        const contents = source.replace(/^export \* as \w*Txn\w* from "[^"]+";$/gim, '// transactions: not in this bundle');
        return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
      });
    }
    build.onResolve({ filter: /^ajv(\/dist\/2020\.js)?$/ }, (args) => (inKafka.test(args.importer) ? { path: shim('ajv.cjs') } : undefined));
    build.onResolve({ filter: /^bowser$/ }, () => ({ path: shim('empty.cjs') }));
    // @datadog/sketches-js's protobuf code (protobufjs and the generated messages, ~55 KB): only its
    // toProto/fromProto use it, which Sluice never calls (shared/summary/sketch.ts writes the format).
    const inSketches = /[\\/]node_modules[\\/]@datadog[\\/]sketches-js[\\/]/;
    build.onResolve({ filter: /[\\/]proto[\\/]compiled$/ }, (args) => (inSketches.test(args.importer) ? { path: shim('empty.cjs') } : undefined));
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: shim('credentials.mjs') }));
    // The MSK IAM signer's imports: only the default chain is used (no profile, no role to assume),
    // and STS only for its debug option.
    const inSigner = /[\\/]node_modules[\\/]aws-msk-iam-sasl-signer-js[\\/]/;
    build.onResolve({ filter: /^@aws-sdk\/credential-providers$/ }, (args) => (inSigner.test(args.importer) ? { path: shim('credentials.mjs') } : undefined));
    build.onResolve({ filter: /^@aws-sdk\/client-sts$/ }, (args) => (inSigner.test(args.importer) ? { path: shim('empty.cjs') } : undefined));
    // Side-effect free: a module of the client is bundled only if something it exports is used.
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === kafkaClientTrimmed || !(inKafka.test(args.importer) || args.path === '@platformatic/kafka')) return undefined;
      const r = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: kafkaClientTrimmed });
      if (r.errors.length > 0 || !inKafka.test(r.path)) return r.errors.length > 0 ? { errors: r.errors } : r;
      return { ...r, sideEffects: false };
    });
  },
};

/**
 * Modules loaded on first use, each built as its own file beside the bundle (`lazy/<name>.cjs`, in
 * every zip): a CommonJS bundle cannot be split, so a dynamic `import()` of them would still put
 * their code, parsed at every cold start, in the bundle. Only what a request rarely needs belongs
 * here; a lazy file has its own copy of what it imports (config, the S3/Kinesis SDK clients), which
 * costs nothing until it is loaded. The source keeps plain `import()`, so tests and tsx see no
 * difference.
 */
const LAZY_MODULES = [
  // The Kinesis spill stream: only while Kafka is unavailable.
  { name: 'kinesis', match: (p) => /[\\/]shared[\\/]adapters[\\/]kinesis\.ts$/.test(p) },
  // S3 claim checks: only for spilled values over 1 MB (ingest) and their drain.
  { name: 'claim-checks', match: (p) => /[\\/]shared[\\/]adapters[\\/]claim-checks\.ts$/.test(p) },
  // The SDK's credential chain (here deploy/shims/credentials.mjs): only when the environment has no
  // keys, which Lambda always gives (shared/adapters/signed-fetch.ts).
  { name: 'credentials', match: (p) => /[\\/]deploy[\\/]shims[\\/]credentials\.mjs$/.test(p) },
  // MSK IAM signing: only when KAFKA_AUTH=iam, once per new broker connection.
  { name: 'msk-iam-signer', match: (p) => /[\\/]node_modules[\\/]aws-msk-iam-sasl-signer-js[\\/]/.test(p) },
  // The SDK's event-stream codec: only for streaming operations (SubscribeToShard, SelectObjectContent,
  // ...), which Sluice does not call. Its lazy copy has its own schema classes: an `instanceof` across
  // the two copies fails, so a streaming operation would need this entry removed.
  { name: 'smithy-event-streams', match: (p) => /[\\/]@smithy[\\/]core[\\/]dist-(es|cjs)[\\/]submodules[\\/]event-streams[\\/]/.test(p) },
];

/** @type {import('esbuild').Plugin} */
const lazyModules = {
  name: 'lazy-modules',
  setup(build) {
    const wanted = new Map();
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData === lazyModules) return undefined;
      const r = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: lazyModules });
      const lazy = r.errors.length === 0 ? LAZY_MODULES.find((m) => m.match(r.path)) : undefined;
      if (!lazy) return r.errors.length > 0 ? { errors: r.errors } : r;
      wanted.set(lazy.name, r.path);
      return { path: `./lazy/${lazy.name}.cjs`, external: true };
    });
    build.onEnd(async (result) => {
      if (result.errors.length > 0 || wanted.size === 0) return;
      const esbuild = require('esbuild');
      const fs = require('node:fs');
      const o = build.initialOptions;
      const outDir = path.join(o.outdir ?? path.dirname(o.outfile), 'lazy');
      fs.mkdirSync(outDir, { recursive: true });
      for (const [name, entry] of wanted) {
        const out = await esbuild.build({ ...esbuildOptions, plugins: [kafkaClientTrimmed], entryPoints: [entry], outfile: path.join(outDir, `${name}.cjs`), write: false });
        // Functions build in parallel and share these files: write each atomically.
        const file = path.join(outDir, `${name}.cjs`);
        const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
        fs.writeFileSync(tmp, out.outputFiles[0].contents);
        fs.renameSync(tmp, file);
      }
    });
  },
};

/**
 * The Kafka client's WebAssembly helpers (CRC32C, LZ4, Snappy) read `native.wasm` beside their own
 * file. The package's `bundled` entry inlines it as 77 KB of base64 in the code; instead the file is
 * copied beside the bundle (`native.wasm`, in every zip) and read from there.
 */
/** @type {import('esbuild').Plugin} */
const wasmBesideBundle = {
  name: 'wasm-beside-bundle',
  setup(build) {
    let wasm;
    build.onLoad({ filter: /[\\/]@platformatic[\\/]wasm-utils[\\/]dist[\\/]index\.js$/ }, async (args) => {
      const fs = require('node:fs/promises');
      const source = await fs.readFile(args.path, 'utf8');
      const contents = source.replace("new URL('../dist/native.wasm', import.meta.url)", "new URL('./native.wasm', import.meta.url)");
      if (contents === source) throw new Error(`${args.path} no longer reads ../dist/native.wasm: update deploy/esbuild.cjs`);
      wasm = path.join(path.dirname(args.path), 'native.wasm');
      return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
    });
    build.onEnd((result) => {
      if (result.errors.length > 0 || !wasm) return;
      const fs = require('node:fs');
      const o = build.initialOptions;
      const file = path.join(o.outdir ?? path.dirname(o.outfile), 'native.wasm');
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.copyFileSync(wasm, tmp);
      fs.renameSync(tmp, file);
    });
  },
};

/**
 * OpenSearch client namespaces the `query` function (shared/adapters/query-store.ts, the official
 * client) calls or may reasonably call; the client requires all 40 at load. The others (ml, knn, sql,
 * security, ...) are replaced by a constructor that throws, naming this file, if a bundle ever uses
 * one. The other functions use the small client of shared/adapters/opensearch-http.ts instead.
 */
const OPENSEARCH_NAMESPACES = new Set(['cat', 'cluster', 'http', 'indices', 'ingest', 'ism', 'nodes', 'searchPipeline', 'snapshot', 'tasks']);

/** @type {import('esbuild').Plugin} */
const openSearchTrimmed = {
  name: 'opensearch-trimmed',
  setup(build) {
    build.onLoad({ filter: /[\\/]@opensearch-project[\\/]opensearch[\\/]api[\\/]\w+[\\/]_api\.js$/ }, (args) => {
      const ns = path.basename(path.dirname(args.path));
      if (OPENSEARCH_NAMESPACES.has(ns)) return undefined;
      return {
        contents: `'use strict'; module.exports = function NotBundled() { throw new Error('The OpenSearch client namespace "${ns}" is not in this bundle: add it to OPENSEARCH_NAMESPACES in deploy/esbuild.cjs.'); };`,
        loader: 'js',
      };
    });
  },
};

/** esbuild's own options (what serverless-esbuild passes through, and what the test and bench build with). */
const esbuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: false,
  target: 'node22',
  platform: 'node',
  // CommonJS bundles named .cjs: Lambda loads them, and so does `serverless invoke local` (it `require`s
  // the handler), whatever the repo's package.json says about modules.
  format: 'cjs',
  // ESM dependencies (the Kafka client) call createRequire(import.meta.url): give CJS bundles a real one.
  banner: { js: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__importMetaUrl' },
  mainFields: ['module', 'main'],
  // `import()` becomes `require()` (a lazy file is CommonJS; so are some of them inside: the MSK
  // signer's names are visible only on its module.exports).
  supported: { 'dynamic-import': false },
  plugins: [lazyModules, kafkaClientTrimmed, wasmBesideBundle, openSearchTrimmed],
  absWorkingDir: ROOT,
  logLevel: 'warning',
};

/** serverless-esbuild's view: esbuild's options plus the plugin's own. */
function serverlessEsbuild() {
  return {
    ...esbuildOptions,
    outputFileExtension: '.cjs',
    // AWS SDK v3 is bundled (tree-shaken, pinned by package-lock) rather than taken from the runtime.
    exclude: [],
    concurrency: 2,
  };
}

module.exports = serverlessEsbuild;
module.exports.esbuildOptions = esbuildOptions;
module.exports.outExtension = { '.js': '.cjs' };
