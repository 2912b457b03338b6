// SPDX-License-Identifier: MIT
// Validates argo's OpenAPI document against the OpenAPI Initiative's 3.1
// schema (npm @seriousme/openapi-schema-validator, pinned in package.json),
// and first shows the check can fail: a copy with a broken response must
// be refused. Usage: node spec_validate.js SPEC.json
'use strict';
const fs = require('fs');
const { Validator } = require('@seriousme/openapi-schema-validator');

async function check(doc) {
    const v = new Validator();
    const r = await v.validate(doc);
    return { valid: r.valid, version: v.version, errors: r.errors };
}

(async () => {
    const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
    const broken = JSON.parse(JSON.stringify(spec));
    const first = Object.keys(broken.paths)[0];
    const op = Object.values(broken.paths[first]).find((o) => o && o.responses);
    op.responses[Object.keys(op.responses)[0]].content = 5;
    const b = await check(broken);
    if (b.valid) {
        console.error('spec_validate: a broken copy of the document was accepted: the check cannot fail');
        process.exit(1);
    }
    const r = await check(spec);
    if (r.version !== '3.1') {
        console.error(`spec_validate: the document is OpenAPI ${r.version}, not 3.1`);
        process.exit(1);
    }
    if (!r.valid) {
        console.error('spec_validate: invalid OpenAPI 3.1 document:');
        console.error(JSON.stringify(r.errors, null, 1));
        process.exit(1);
    }
    console.log(`spec_validate: ${process.argv[2]} is a valid OpenAPI 3.1 document (${Object.keys(spec.paths).length} paths)`);
})().catch((e) => {
    console.error(`spec_validate: ${e.message}`);
    process.exit(1);
});
