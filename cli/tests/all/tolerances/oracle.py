import copy, json, sys
from chaoslib import substitute
from chaoslib.hypothesis import within_tolerance, ensure_hypothesis_tolerance_is_valid

request = json.load(sys.stdin)
tolerances = request["tolerances"]
outputs = request["outputs"]
names = request["names"]


def describe(error):
    return "%s: %s" % (type(error).__name__, error)


valid = []
for tolerance in tolerances:
    try:
        ensure_hypothesis_tolerance_is_valid(copy.deepcopy(tolerance))
        valid.append({"valid": True})
    except Exception as error:
        valid.append({"invalid": describe(error)})

# As run_steady_state_hypothesis checks a probe's output.
verdicts = []
for t, o in request["checks"]:
    tolerance = copy.deepcopy(tolerances[t])
    if isinstance(tolerance, str):
        tolerance = substitute(tolerance, names, None)
    try:
        checked = within_tolerance(tolerance, copy.deepcopy(outputs[o]),
                                   configuration=names, secrets=None)
        verdicts.append({"met": not not checked})
    except Exception as error:
        verdicts.append({"error": describe(error)})

json.dump({"valid": valid, "verdicts": verdicts}, sys.stdout)
