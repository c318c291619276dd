"""prefect.yaml is valid and its deployments point at real flows with matching parameters."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[2]


def load() -> dict:
    return yaml.safe_load((ROOT / "prefect.yaml").read_text())


def test_deployments_point_at_real_flows() -> None:
    config = load()
    names = {d["name"]: d for d in config["deployments"]}
    assert set(names) >= {"weekly-scan", "rescore"}
    for dep in config["deployments"]:
        path, func = dep["entrypoint"].split(":")
        assert (ROOT / path).is_file()
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, func)
        params = inspect.signature(flow.fn).parameters
        for p in dep.get("parameters", {}):
            assert p in params, f"{dep['name']}: parameter {p} is not a parameter of {func}"


def test_weekly_scan_is_scheduled_monday_morning_in_shanghai_one_at_a_time() -> None:
    dep = {d["name"]: d for d in load()["deployments"]}["weekly-scan"]
    (schedule,) = dep["schedules"]
    assert schedule["cron"] == "0 6 * * 1"
    assert schedule["timezone"] == "Asia/Shanghai"
    assert dep["concurrency_limit"] == 1
    rescore = {d["name"]: d for d in load()["deployments"]}["rescore"]
    assert "schedules" not in rescore
