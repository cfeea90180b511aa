/**
 * Stand-in for `ajv` in the Lambda bundles (deploy/esbuild.cjs). @platformatic/kafka validates its
 * own options with JSON schemas: 38 schemas compiled at module load (code generation) plus ajv's
 * 120 KB. Sluice passes the client typed options built in code (shared/adapters/kafka*.ts, checked by
 * tsc), so every validator here accepts; the client's behaviour is otherwise the same.
 */
'use strict';
class Ajv {
  addKeyword() {
    return this;
  }
  addSchema() {
    return this;
  }
  addMetaSchema() {
    return this;
  }
  compile() {
    const validate = () => true;
    validate.errors = null;
    return validate;
  }
  errorsText() {
    return 'options not validated in this bundle';
  }
}
module.exports = { Ajv, Ajv2020: Ajv, default: Ajv };
