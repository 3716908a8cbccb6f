#!/usr/bin/env python3
"""Writes N custom policies for the admission benchmark (bench/admission.sh,
POLICIES=N): half ValidatingAdmissionPolicies with their bindings, half
Gatekeeper constraints of two library templates, all matching Pods, so
every request evaluates every policy (the worst case). The benchmark's
compliant pod passes them all; the privileged pod fails some.

    bench/policies.py 50 /tmp/policies
"""
import os
import shutil
import sys

n, out = int(sys.argv[1]), sys.argv[2]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
gk = os.path.join(root, "crates/rampart-policy/tests/fixtures/gatekeeper")
os.makedirs(out, exist_ok=True)
shutil.copy(os.path.join(gk, "allowedrepos/template.yaml"), os.path.join(out, "allowedrepos.yaml"))
shutil.copy(os.path.join(gk, "requiredlabels/template.yaml"), os.path.join(out, "requiredlabels.yaml"))

# Each VAP asks something different of the pod, so no two compile alike.
checks = [
    ("object.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || !c.securityContext.privileged)", "privileged containers are not allowed"),
    ("object.spec.containers.all(c, has(c.resources) && has(c.resources.limits) && has(c.resources.limits.memory))", "every container needs a memory limit"),
    ("!has(object.spec.hostNetwork) || !object.spec.hostNetwork", "host network is not allowed"),
    ("object.spec.containers.all(c, !c.image.endsWith(':latest'))", "no :latest images"),
    ("has(object.metadata.labels) && 'app' in object.metadata.labels", "pods need an app label"),
]
with open(os.path.join(out, "vap.yaml"), "w") as f:
    for i in range(n - n // 2):
        expr, msg = checks[i % len(checks)]
        f.write(f"""---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: bench-{i}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["pods"]
  matchConditions:
  - name: not-kube-system
    expression: "request.namespace != 'kube-system'"
  validations:
  - expression: "{expr} || object.metadata.name == 'bench-{i}-exempt'"
    message: "{msg} (bench-{i})"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: bench-{i}
spec:
  policyName: bench-{i}
  validationActions: [Deny]
""")
with open(os.path.join(out, "constraints.yaml"), "w") as f:
    for i in range(n // 2):
        if i % 2 == 0:
            f.write(f"""---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata:
  name: bench-repos-{i}
spec:
  match:
    kinds: [{{apiGroups: [""], kinds: ["Pod"]}}]
  parameters:
    repos: ["registry.example.com/", "bench-{i}.example.com/"]
""")
        else:
            f.write(f"""---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata:
  name: bench-labels-{i}
spec:
  match:
    kinds: [{{apiGroups: [""], kinds: ["Pod"]}}]
  parameters:
    labels: [{{key: app}}]
""")
print(f"{n} policies in {out}")
