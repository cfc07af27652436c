# For each case (environment, URL): the proxy the real `requests` sends the
# URL through, as Session.request does it (merge_environment_settings, then
# the adapter's select_proxy), or None. The environment is replaced whole,
# in the given order, for each case.
import json, os, sys
from requests.utils import get_environ_proxies, select_proxy

cases = json.load(sys.stdin)
answers = []
for case in cases:
    os.environ.clear()
    for name, value in case["env"]:
        os.environ[name] = value
    try:
        proxies = get_environ_proxies(case["url"], no_proxy=None)
        answers.append({"proxy": select_proxy(case["url"], proxies)})
    except Exception as e:
        answers.append({"error": "%s: %s" % (type(e).__name__, e)})
json.dump(answers, sys.stdout)
