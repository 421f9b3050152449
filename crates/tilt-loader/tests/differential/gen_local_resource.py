import itertools, random, os, json
random.seed(7)
CM = "k8s_yaml(blob('apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: a\\n'))\n"
DEP = "k8s_yaml(blob('apiVersion: apps/v1\\nkind: Deployment\\nmetadata:\\n  name: web\\nspec:\\n  selector:\\n    matchLabels: {app: web}\\n  template:\\n    metadata:\\n      labels: {app: web}\\n    spec:\\n      containers:\\n      - name: c\\n        image: web\\n'))\n"
names = ["'a'", "'b'", "'web'", "'a b'", "''", "1", "None"]
cmds = ["'echo'", "''", "['echo', 'x']", "[]", "1", "None", "{'a': 1}", "True"]
extras = ["", "deps=['x']", "deps='x'", "resource_deps=['a']", "resource_deps=['nope']", "resource_deps='a'", "resource_deps=('web',)",
          "serve_cmd='sleep 1'", "serve_cmd=''", "dir='.'", "serve_dir='.'", "auto_init=False", "allow_parallel=True",
          "labels=['x']", "links=['http://x']", "trigger_mode=TRIGGER_MODE_MANUAL", "bogus=1", "env={'A': 'b'}", "cmd_bat='x'",
          "ignore=['y']", "readiness_probe=None"]
cases = []
for i in range(160):
    lines = []
    if random.random() < 0.4: lines.append(CM)
    if random.random() < 0.4: lines.append(DEP)
    for _ in range(random.randint(1, 3)):
        n = random.choice(names); c = random.choice(cmds)
        ex = random.sample(extras, random.randint(0, 3))
        args = [n] + ([c] if random.random() < 0.8 else [])
        lines.append("local_resource(%s)\n" % ", ".join(args + ex))
    if random.random() < 0.3:
        lines.append(random.choice(["k8s_resource('web', resource_deps=['a', 'zz'])\n", "k8s_resource(objects=['a:configmap'], new_name='a')\n", "k8s_resource('a')\n", "k8s_resource(objects=['a:configmap'], new_name='cfg', resource_deps=['b'])\n"]))
    cases.append("".join(lines))
os.makedirs("cases", exist_ok=True)
for i, c in enumerate(cases):
    d = f"cases/{i:03d}"; os.makedirs(d, exist_ok=True)
    open(f"{d}/Tiltfile", "w").write(c)
