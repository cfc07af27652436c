# What `chaos run` and `chaos validate` do before anything runs, for each
# file of a corpus, in one process: chaoslib's loader, then
# ensure_experiment_is_valid. Any exception there ends `chaos run` with exit
# status 1 and no journal (ChaosException logged, anything else a
# traceback), so any exception is a rejection.
import json
import logging
import sys
import warnings

from chaoslib.experiment import ensure_experiment_is_valid
from chaoslib.loader import load_experiment

logging.disable(logging.CRITICAL)
warnings.simplefilter("ignore")

verdicts = []
for path in json.load(sys.stdin)["files"]:
    try:
        ensure_experiment_is_valid(load_experiment(path))
        verdicts.append({"valid": True})
    except Exception as e:
        verdicts.append({"valid": False, "error": "%s: %s" % (type(e).__name__, e)})
json.dump({"verdicts": verdicts}, sys.stdout)
