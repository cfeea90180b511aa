// Every pinned version of the local services, in one place. Bumping one of these re-installs that
// service into a new versioned folder of the cache on the next `services:install` / `services:up`.

/** Apache Kafka (broker+controller, KRaft) and its tools, from Maven Central (Java 17 bytecode). */
export const KAFKA_VERSION = '4.3.1';
/** log4j2 binding so Kafka's slf4j logging goes somewhere. */
export const LOG4J_VERSION = '2.25.3';

/** OpenSearch 2.x, the integ-test zip (no security plugin, no bundled JDK) from Maven Central. */
export const OPENSEARCH_VERSION = '2.19.6';

/**
 * MinIO server from the Go module proxy. MinIO's RELEASE.* tags are not semver, and the proxy here
 * does not serve them by tag, so this is the module pseudo-version of the last upstream commit
 * (2026-02-12, github.com/minio/minio 7aac2a2c5b7c), built with `go install`.
 */
export const MINIO_MODULE = 'github.com/minio/minio';
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';

/** DynamoDB Local (com.amazonaws:DynamoDBLocal) and its sqlite4java natives, from Maven Central. */
export const DYNAMODB_LOCAL_VERSION = '2.6.1';

/** kinesalite comes from node_modules (package.json pins it); recorded here for `status`. */
export const KINESALITE_VERSION = '3.3.3';

/** The maven-dependency-plugin used to fetch the Maven artifacts (pinned so mvn doesn't float). */
export const MAVEN_DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

/**
 * OpenTelemetry Collector for the shipper tests (not a running service: a tool the tests start), built
 * with the Collector builder from the Go module proxy; the component versions are in
 * local/services/otelcol/builder-config.yaml and must match.
 */
export const OTELCOL_VERSION = '0.165.0';
