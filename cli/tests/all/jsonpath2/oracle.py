import json, sys
from jsonpath2.path import Path
from chaoslib.hypothesis import within_tolerance, ensure_hypothesis_tolerance_is_valid

request = json.load(sys.stdin)
docs = request["documents"]
parsed = {}
def parse(path):
    if path not in parsed:
        try:
            parsed[path] = ("ok", Path.parse_str(path))
        except Exception as e:
            parsed[path] = ("parse_error", "%s: %s" % (type(e).__name__, e))
    return parsed[path]

matches = []
for path, doc in request["matches"]:
    kind, parsed_path = parse(path)
    if kind != "ok":
        matches.append({"parse_error": parsed_path})
        continue
    try:
        matches.append({"values": [m.current_value for m in parsed_path.match(docs[doc])]})
    except Exception as e:
        matches.append({"eval_error": "%s: %s" % (type(e).__name__, e)})

valid = []
for path in request["validate"]:
    try:
        ensure_hypothesis_tolerance_is_valid({"type": "jsonpath", "path": path})
        valid.append(True)
    except Exception:
        valid.append(False)

verdicts = []
for tolerance, doc in request["tolerances"]:
    try:
        verdicts.append({"met": within_tolerance(tolerance, docs[doc])})
    except Exception as e:
        verdicts.append({"error": "%s: %s" % (type(e).__name__, e)})

json.dump({"matches": matches, "valid": valid, "verdicts": verdicts}, sys.stdout)
