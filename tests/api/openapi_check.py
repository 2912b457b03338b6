#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks recorded HTTP exchanges against argo's OpenAPI 3.1 document.

Usage:
    openapi_check.py SPEC.json EXCHANGES... [--selftest] [--quiet]
    openapi_check.py SPEC.json --spec-only

SPEC.json is src/server/openapi.json (or what GET /api/v1/openapi.json
served). Each EXCHANGES argument is a file or a directory (every *.json
and *.jsonl file in it, sorted). A .json file holds one exchange or a
list of them; a .jsonl file one exchange a line. An exchange is a JSON
object:

    {"method": "GET",                      HTTP method, upper case
     "path": "/api/v1/signals?limit=5",    as requested; the query is ignored
     "status": 200,                        the response's status
     "headers": {"ETag": "\"...\"", ...},  the response's headers (any case;
                                           a header given twice: join with ", ")
     "body": "{\"signals\": ...}"}         the response body as text, or null
                                           (or "") when there was none

Optional: "route" (the path template, e.g. "/api/v1/signals/{id}"; else
found from the path) and "name" (shown in messages).

Each exchange must be documented: its path matches a path of the
document (exact paths before templates), its method is an operation of
that path, and its status a response of that operation; then every
required header of the response is there and matches its schema, and
the body parses as JSON and validates against the response's schema
(JSON Schema 2020-12, python3-jsonschema), or is absent when the
response has no content or the method is HEAD. The two undocumented
cases the document's description states are accepted, and checked: a
path not in the document answers 404 with an Error body, and a method
a path does not take answers 405 with an Error body and an Allow
header. Exchanges outside /api/v1/ (and /api/v1/stream, the WebSocket)
are counted as skipped.

Before any exchange the document itself is checked as OpenAPI 3.1,
structurally (the rules of the OpenAPI 3.1 specification that its JSON
schema enforces: the fields each object may and must have, response
codes, parameter locations, path parameters that match the templates,
unique operationIds, every $ref resolving, every schema a valid JSON
Schema 2020-12 schema) and by argo's own rule that every object schema
with properties is closed (additionalProperties false).

--selftest also proves the check can fail: for each exchange with a
JSON object body it validates two mutations (the first required
property removed; an unknown property added) and fails unless both are
rejected.

Exit 0 when everything matches, 1 with one line per mismatch.
"""
import copy
import json
import os
import re
import sys

import jsonschema
from jsonschema import Draft202012Validator

try:
    from jsonschema import RefResolver
except ImportError:  # pragma: no cover
    RefResolver = None

METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
PATH_ITEM_KEYS = {"summary", "description", "servers", "parameters", "$ref"} | set(METHODS)
OPERATION_KEYS = {"tags", "summary", "description", "externalDocs", "operationId", "parameters",
                  "requestBody", "responses", "callbacks", "deprecated", "security", "servers"}
RESPONSE_KEYS = {"description", "headers", "content", "links"}
MEDIA_KEYS = {"schema", "encoding", "example", "examples"}
PARAM_KEYS = {"name", "in", "description", "required", "deprecated", "allowEmptyValue", "schema",
              "content", "style", "explode", "allowReserved", "example", "examples"}
HEADER_KEYS = {"description", "required", "deprecated", "allowEmptyValue", "schema", "content",
               "style", "explode", "allowReserved", "example", "examples"}
TOP_KEYS = {"openapi", "info", "jsonSchemaDialect", "servers", "paths", "webhooks", "components",
            "security", "tags", "externalDocs"}
COMPONENT_KEYS = {"schemas", "responses", "parameters", "examples", "requestBodies", "headers",
                  "securitySchemes", "links", "callbacks", "pathItems"}
STATUS_RE = re.compile(r"^([1-5](?:[0-9][0-9]|XX)|default)$")


class Spec:
    def __init__(self, doc):
        self.doc = doc
        self.resolver = RefResolver.from_schema(doc) if RefResolver else None
        self.paths = doc.get("paths", {})
        # exact paths first, then templates; a template segment is one non-empty segment
        self.matchers = []
        for p in sorted(self.paths, key=lambda p: ("{" in p, p)):
            rx = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(p)) + "$"
            self.matchers.append((p, re.compile(rx)))

    def deref(self, node):
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise KeyError("external $ref %s" % ref)
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
            if seen > 32:
                raise KeyError("$ref loop at %s" % ref)
        return node

    def validator(self, schema):
        if self.resolver:
            return Draft202012Validator(schema, resolver=self.resolver)
        return Draft202012Validator(schema)

    def route(self, path):
        for p, rx in self.matchers:
            if rx.match(path):
                return p
        return None


# ---- the document -------------------------------------------------------------


def check_spec(spec):
    """Structural OpenAPI 3.1 checks; returns a list of problems."""
    doc, bad = spec.doc, []

    def extra(where, obj, allowed):
        for k in obj:
            if k not in allowed and not k.startswith("x-"):
                bad.append("%s: unknown field %r" % (where, k))

    if not isinstance(doc, dict):
        return ["document: not an object"]
    extra("document", doc, TOP_KEYS)
    if not re.match(r"^3\.1\.[0-9]+(-.+)?$", str(doc.get("openapi", ""))):
        bad.append("document: openapi is not 3.1.x")
    info = doc.get("info")
    if not isinstance(info, dict) or not isinstance(info.get("title"), str) or \
            not isinstance(info.get("version"), str):
        bad.append("info: needs title and version (strings)")
    if "paths" not in doc and "components" not in doc and "webhooks" not in doc:
        bad.append("document: needs paths, components or webhooks")
    comps = doc.get("components", {})
    extra("components", comps, COMPONENT_KEYS)
    for kind, items in comps.items():
        if isinstance(items, dict):
            for name in items:
                if not re.match(r"^[a-zA-Z0-9._-]+$", name):
                    bad.append("components.%s: bad name %r" % (kind, name))

    # every $ref resolves
    def walk(node, where):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                try:
                    spec.deref({"$ref": node["$ref"]})
                except (KeyError, TypeError) as e:
                    bad.append("%s: $ref %s does not resolve (%s)" % (where, node["$ref"], e))
            for k, v in node.items():
                walk(v, where + "/" + k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, "%s/%d" % (where, i))

    walk(doc, "#")

    schemas = []  # (where, schema)
    for name, s in comps.get("schemas", {}).items():
        schemas.append(("components.schemas." + name, s))

    def check_param(where, p, template_params, seen):
        p = spec.deref(p)
        extra(where, p, PARAM_KEYS)
        if p.get("in") not in ("query", "header", "path", "cookie"):
            bad.append("%s: in must be query, header, path or cookie" % where)
        if not isinstance(p.get("name"), str):
            bad.append("%s: needs a name" % where)
        if ("schema" in p) == ("content" in p):
            bad.append("%s: needs exactly one of schema and content" % where)
        if "schema" in p:
            schemas.append((where, p["schema"]))
        key = (p.get("in"), p.get("name"))
        if key in seen:
            bad.append("%s: parameter %s in %s twice" % (where, key[1], key[0]))
        seen.add(key)
        if p.get("in") == "path":
            if p.get("required") is not True:
                bad.append("%s: a path parameter must be required: true" % where)
            if p.get("name") not in template_params:
                bad.append("%s: path parameter %s is not in the path" % (where, p.get("name")))

    def check_response(where, r):
        r = spec.deref(r)
        extra(where, r, RESPONSE_KEYS)
        if not isinstance(r.get("description"), str):
            bad.append("%s: needs a description" % where)
        for hn, h in r.get("headers", {}).items():
            h = spec.deref(h)
            extra("%s.headers.%s" % (where, hn), h, HEADER_KEYS)
            if "schema" in h:
                schemas.append(("%s.headers.%s" % (where, hn), h["schema"]))
        for mt, m in r.get("content", {}).items():
            extra("%s.content.%s" % (where, mt), m, MEDIA_KEYS)
            if "/" not in mt:
                bad.append("%s: %r is not a media type" % (where, mt))
            if "schema" in m:
                schemas.append(("%s.content.%s" % (where, mt), m["schema"]))

    op_ids = set()
    for path, item in doc.get("paths", {}).items():
        if not path.startswith("/"):
            bad.append("paths: %r does not start with /" % path)
        extra("paths." + path, item, PATH_ITEM_KEYS)
        template_params = set(re.findall(r"\{([^}]+)\}", path))
        for m in METHODS:
            op = item.get(m)
            if op is None:
                continue
            where = "%s %s" % (m.upper(), path)
            extra(where, op, OPERATION_KEYS)
            oid = op.get("operationId")
            if oid is not None:
                if oid in op_ids:
                    bad.append("%s: operationId %s is not unique" % (where, oid))
                op_ids.add(oid)
            seen = set()
            for i, p in enumerate(item.get("parameters", []) + op.get("parameters", [])):
                check_param("%s parameter %d" % (where, i), p, template_params, seen)
            declared = {n for (i, n) in seen if i == "path"}
            for t in template_params - declared:
                bad.append("%s: path parameter {%s} is not declared" % (where, t))
            rs = op.get("responses")
            if not isinstance(rs, dict) or not rs:
                bad.append("%s: needs responses" % where)
                continue
            for code, r in rs.items():
                if not STATUS_RE.match(code):
                    bad.append("%s: response key %r is not a status" % (where, code))
                check_response("%s %s" % (where, code), r)
            if "requestBody" in op:
                rb = spec.deref(op["requestBody"])
                extra(where + " requestBody", rb, {"description", "content", "required"})
                if not isinstance(rb.get("content"), dict):
                    bad.append("%s: requestBody needs content" % where)
                for mt, m in rb.get("content", {}).items():
                    if "schema" in m:
                        schemas.append(("%s requestBody %s" % (where, mt), m["schema"]))
    for name, s in comps.get("securitySchemes", {}).items():
        if s.get("type") not in ("apiKey", "http", "mutualTLS", "oauth2", "openIdConnect"):
            bad.append("securitySchemes.%s: bad type" % name)
        if s.get("type") == "http" and not isinstance(s.get("scheme"), str):
            bad.append("securitySchemes.%s: http needs a scheme" % name)
    for req in doc.get("security", []):
        for name in req:
            if name not in comps.get("securitySchemes", {}):
                bad.append("security: %s is not a security scheme" % name)

    # every schema a valid 2020-12 schema, and closed where it lists properties
    def closed(where, s):
        if isinstance(s, dict):
            if "$ref" not in s and "properties" in s and "allOf" not in s and \
                    s.get("additionalProperties") is not False and where != "components.schemas.OpenAPI":
                bad.append("%s: an object schema with properties must say additionalProperties: false"
                           % where)
            for k, v in s.items():
                if k in ("properties", "$defs", "patternProperties"):
                    for n, sub in v.items():
                        closed("%s.%s" % (where, n), sub)
                elif k in ("items", "additionalProperties", "then", "else"):  # "if", "not": conditions
                    closed(where + "." + k, v)
                elif k in ("oneOf", "anyOf", "allOf"):
                    for i, sub in enumerate(v):
                        closed("%s.%s[%d]" % (where, k, i), sub)

    for where, s in schemas:
        try:
            Draft202012Validator.check_schema(s)
        except jsonschema.SchemaError as e:
            bad.append("%s: not a JSON Schema 2020-12 schema: %s" % (where, e.message))
        closed(where, s)
    return bad


# ---- exchanges ----------------------------------------------------------------


def load_exchanges(args):
    out = []
    for a in args:
        files = sorted(os.path.join(a, f) for f in os.listdir(a)
                       if f.endswith((".json", ".jsonl"))) if os.path.isdir(a) else [a]
        for f in files:
            with open(f, encoding="utf-8") as fh:
                if f.endswith(".jsonl"):
                    for n, line in enumerate(fh, 1):
                        if line.strip():
                            out.append(("%s:%d" % (f, n), json.loads(line)))
                else:
                    d = json.load(fh)
                    for i, e in enumerate(d if isinstance(d, list) else [d]):
                        out.append(("%s[%d]" % (f, i), e))
    return out


def header(ex, name):
    for k, v in (ex.get("headers") or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def schema_errors(spec, schema, value):
    v = spec.validator(schema)
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(root)", e.message)
            for e in sorted(v.iter_errors(value), key=lambda e: list(e.absolute_path))[:5]]


def check_error_body(spec, ex, body):
    try:
        doc = json.loads(body or "")
    except ValueError:
        return ["body is not JSON"]
    errs = schema_errors(spec, {"$ref": "#/components/schemas/Error"}, doc)
    if not errs and doc["error"]["status"] != ex["status"]:
        errs.append("error.status %s is not the response's %s" % (doc["error"]["status"], ex["status"]))
    return errs


def check_exchange(spec, ex):
    """Returns (skipped, [problems])."""
    method = str(ex.get("method", "")).upper()
    full = str(ex.get("path", ""))
    path = full.split("?", 1)[0]
    status = ex.get("status")
    body = ex.get("body")
    if body == "":
        body = None
    if not path.startswith("/api/v1/") or path == "/api/v1/stream":
        return True, []
    if not isinstance(status, int):
        return False, ["no status"]
    route = ex.get("route") or spec.route(path)
    if route is None or route not in spec.paths:
        if status != 404:
            return False, ["%s is not a documented path, yet answered %s (not 404)" % (path, status)]
        return False, check_error_body(spec, ex, body)
    item = spec.paths[route]
    op = item.get(method.lower())
    if op is None:
        probs = []
        if status != 405:
            probs.append("%s %s is not a documented operation, yet answered %s (not 405)"
                         % (method, route, status))
        elif not header(ex, "Allow"):
            probs.append("405 without an Allow header")
        else:
            allowed = {m.strip() for m in header(ex, "Allow").split(",")}
            documented = {m.upper() for m in METHODS if m in item}
            if allowed != documented:
                probs.append("Allow %r is not the documented methods %s"
                             % (header(ex, "Allow"), sorted(documented)))
        return False, probs + ([] if method == "HEAD" else check_error_body(spec, ex, body))
    rs = op.get("responses", {})
    r = rs.get(str(status)) or rs.get("%sXX" % str(status)[0]) or rs.get("default")
    if r is None:
        return False, ["%s %s: status %s is not documented (documented: %s)"
                       % (method, route, status, ", ".join(sorted(rs)))]
    r = spec.deref(r)
    probs = []
    for hn, h in (r.get("headers") or {}).items():
        h = spec.deref(h)
        v = header(ex, hn)
        if v is None:
            if h.get("required"):
                probs.append("header %s is missing" % hn)
            continue
        if "schema" in h:
            probs += ["header %s: %s" % (hn, e) for e in schema_errors(spec, h["schema"], v)]
    content = r.get("content")
    if not content or method == "HEAD":
        if body is not None:
            probs.append("a body where the response has none (%d bytes)" % len(body))
        return False, probs
    if body is None:
        return False, probs + ["no body where the response has one"]
    ct = header(ex, "Content-Type")
    mt = None
    if ct is not None:
        base = ct.split(";", 1)[0].strip().lower()
        mt = content.get(base)
        if mt is None:
            return False, probs + ["Content-Type %s is not documented (%s)" % (ct, ", ".join(content))]
    else:
        mt = content.get("application/json") or next(iter(content.values()))
    if "schema" not in mt:
        return False, probs
    try:
        doc = json.loads(body)
    except ValueError as e:
        return False, probs + ["body is not JSON: %s" % e]
    probs += schema_errors(spec, mt["schema"], doc)
    if str(status) != "200" and "error" in (doc if isinstance(doc, dict) else {}):
        if isinstance(doc["error"], dict) and doc["error"].get("status") != status:
            probs.append("error.status %s is not the response's %s" % (doc["error"].get("status"), status))
    return False, probs


def mutations(spec, ex, doc):
    """Changed copies of a JSON object body that its schema must refuse:
    a required property removed; an unknown property added when the
    schema is closed."""
    out = []
    route = ex.get("route") or spec.route(ex["path"].split("?", 1)[0])
    if route is None or ex["method"].lower() not in spec.paths[route]:
        return out
    rs = spec.paths[route][ex["method"].lower()]["responses"]
    r = spec.deref(rs.get(str(ex["status"]), {}))
    schema = spec.deref(r.get("content", {}).get("application/json", {}).get("schema", {}))
    required = [k for k in schema.get("required", []) if k in doc]
    if required:
        d = copy.deepcopy(doc)
        del d[required[0]]
        out.append(("without %s" % required[0], d))
    if schema.get("additionalProperties") is False:
        d = copy.deepcopy(doc)
        d["undocumented_field"] = 1
        out.append(("with an unknown field", d))
    return out


def main(argv):
    quiet = "--quiet" in argv
    selftest = "--selftest" in argv
    spec_only = "--spec-only" in argv
    args = [a for a in argv[1:] if not a.startswith("--")]
    if not args or (len(args) < 2 and not spec_only):
        sys.stderr.write(__doc__)
        return 2
    with open(args[0], encoding="utf-8") as f:
        spec = Spec(json.load(f))
    failures = ["spec: " + p for p in check_spec(spec)]
    checked = skipped = mutated = 0
    for name, ex in ([] if spec_only else load_exchanges(args[1:])):
        label = ex.get("name") or "%s %s -> %s" % (ex.get("method"), ex.get("path"), ex.get("status"))
        skip, probs = check_exchange(spec, ex)
        if skip:
            skipped += 1
            continue
        checked += 1
        failures += ["%s (%s): %s" % (name, label, p) for p in probs]
        if selftest and not probs and ex.get("body") and ex.get("method") != "HEAD":
            try:
                doc = json.loads(ex["body"])
            except ValueError:
                continue
            if not isinstance(doc, dict):
                continue
            for what, d in mutations(spec, ex, doc):
                m = dict(ex, body=json.dumps(d))
                _, p2 = check_exchange(spec, m)
                mutated += 1
                if not p2:
                    failures.append("%s (%s): selftest: the body %s still validates"
                                    % (name, label, what))
    for f in failures:
        print("openapi_check: " + f)
    if not quiet or failures:
        print("openapi_check: %d exchanges checked, %d skipped, %d mutations rejected, %d problems"
              % (checked, skipped, mutated - sum("selftest" in f for f in failures), len(failures)))
    if not spec_only and checked == 0:
        print("openapi_check: no exchange was checked")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
