"""The one configuration loader: every shipped file validates, and a bad key is an error that names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.ledger.rules import LEDGER_PATH, load_rules
from scoring.screening.indicators.local import load_local_vocabulary
from scoring.screening.weights import WEIGHTS_PATH, load_weights
from scoring.technologies.taxonomy import load_taxonomy
from scoring.topics.config import TOPICS_CONFIG_PATH, load_topics_config
from spiders.config import load_feeds, load_policy_bodies, load_queries
from warehouse.config import ConfigError


def test_every_shipped_configuration_file_loads() -> None:
    weights, digest = load_weights()
    assert weights.strategic.threshold > 0 and len(digest) == 64
    assert load_rules()[0].watchlist.top > 0
    assert load_topics_config().cluster.n_components > 0
    assert load_taxonomy() and load_local_vocabulary().players
    assert load_queries().technologies and load_feeds() and load_policy_bodies()


def _edited(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {source.name}"
    out = tmp_path / source.name
    out.write_text(text.replace(old, new, 1), encoding="utf-8")
    return out


@pytest.mark.parametrize(
    ("source", "loader", "old", "new", "message"),
    [
        (WEIGHTS_PATH, load_weights, "period_months = 12", "perod_months = 12",
         r"weights\.toml: \[windows\] missing key 'period_months'; \[windows\] unknown key 'perod_months'; "
         r"did you mean 'period_months'\?"),
        (WEIGHTS_PATH, load_weights, "threshold = 0.5", 'threshold = "high"', r"\[strategic\] threshold: input should be a valid number"),
        (LEDGER_PATH, load_rules, "top = 10", "top = true", r"ledger\.toml: \[watchlist\] top: input should be a valid integer"),
        (TOPICS_CONFIG_PATH, load_topics_config, "n_components = 100", "n_componets = 100",
         r"topics\.toml: .*unknown key 'n_componets'; did you mean 'n_components'\?"),
        (TOPICS_CONFIG_PATH, load_topics_config, 'multilingual = "auto"', 'multilingual = "maybe"', r"\[embedding\] multilingual"),
    ],
)
def test_a_bad_key_or_value_names_the_file_the_key_and_the_nearest_valid_key(
    tmp_path: Path, source: Path, loader, old: str, new: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        loader(_edited(tmp_path, source, old, new))


def test_a_file_that_is_not_toml_or_not_there_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "weights.toml"
    broken.write_text("[windows\nperiod_months = 12\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"weights\.toml: not valid TOML"):
        load_weights(broken)
    with pytest.raises(ConfigError, match="cannot read the configuration file"):
        load_weights(tmp_path / "missing.toml")


def test_a_feed_with_a_misspelt_key_is_named_with_its_id(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text('[[feed]]\nid = "x"\nurl = "https://example.org/feed"\nfetch_articel = "never"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"feeds\.toml feed 'x': unknown key 'fetch_articel'; did you mean 'fetch_article'\?"):
        load_feeds(feeds)


def test_changes_are_validated_like_the_file() -> None:
    weights, _ = load_weights()
    assert weights.updated({"strategic": {"threshold": 0.7}}).strategic.threshold == 0.7
    with pytest.raises(ConfigError, match="unknown key 'treshold'"):
        weights.updated({"strategic": {"treshold": 0.7}})
