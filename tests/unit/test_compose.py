"""docker-compose.yml only runs commands this project really provides."""

from __future__ import annotations

import importlib.util
import shlex
from pathlib import Path

import pytest
import yaml

from bng_magento.celery_config import QUEUES
from bng_magento.cli import build_parser

COMPOSE = yaml.safe_load((Path(__file__).parents[2] / "docker-compose.yml").read_text())
SERVICES = {name: spec for name, spec in COMPOSE["services"].items() if "command" in spec
            and spec.get("image", "").startswith("bng-magento")}


def test_every_project_process_has_a_service():
    commands = " ".join(spec["command"] for spec in SERVICES.values())
    for needed in ("bng-magento receiver", "bng-magento db upgrade", "worker -Q events",
                   "worker -Q magento", "worker -Q bng", "worker -Q batch", "beat", "flower",
                   "bng-magento sandbox magento", "bng-magento sandbox bng"):
        assert needed in commands


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_the_service_command_is_a_real_command(name):
    argv = shlex.split(SERVICES[name]["command"].replace("${", "").replace("}", ""))
    if argv[0] == "bng-magento":
        build_parser().parse_args(argv[1:])  # exits (fails the test) on an unknown command
        return
    assert argv[:3] == ["celery", "-A", "tasks"]
    assert argv[3] in ("worker", "beat", "flower")
    if argv[3] == "worker":
        queues = argv[argv.index("-Q") + 1].split(",")
        assert set(queues) <= set(QUEUES)
    if argv[3] == "flower":
        assert importlib.util.find_spec("flower") is not None
        assert any(arg.startswith("--basic-auth=") for arg in argv)


def test_redis_keeps_an_append_only_file_and_never_evicts():
    command = COMPOSE["services"]["redis"]["command"]
    assert "--appendonly yes" in command and "noeviction" in command


def test_the_sandboxes_only_run_in_the_demo_profile():
    for name in ("sandbox-magento", "sandbox-bng"):
        assert COMPOSE["services"][name]["profiles"] == ["demo"]
