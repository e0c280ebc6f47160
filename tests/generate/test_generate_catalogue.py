"""The fixed data: agents that are unambiguously human or crawler, whole-dollar prices."""

from __future__ import annotations

import re

import crawleruseragents
import pytest

from clickstream.generate.catalogue import ACCESSORIES, CRAWLER_AGENTS, HUMAN_AGENTS, MATTRESSES, WHALE_ITEM
from clickstream.generate.catalogue import WHALE_QUANTITY as WHALE_N

BOT_WORDS = re.compile(r"bot|crawler|spider", re.IGNORECASE)
HUMANS = [agent for agents in HUMAN_AGENTS.values() for agent in agents]


@pytest.mark.parametrize("agent", HUMANS)
def test_human_agents_are_no_bots_by_any_reading(agent: str) -> None:
    # Whether a pipeline matches the crawler patterns with or without case, it must agree with the truth.
    assert not BOT_WORDS.search(agent)
    assert not crawleruseragents.is_crawler(agent) and not crawleruseragents.is_crawler(agent, case_sensitive=False)


@pytest.mark.parametrize("agent", [agent for agent, _ in CRAWLER_AGENTS])
def test_crawler_agents_are_bots_by_any_reading(agent: str) -> None:
    assert crawleruseragents.is_crawler(agent) and crawleruseragents.is_crawler(agent, case_sensitive=False)


def test_prices_are_whole_dollars_and_the_outlier_is_the_real_one() -> None:
    assert all(isinstance(item.price, int) for item in MATTRESSES + ACCESSORIES)
    assert WHALE_ITEM.price * WHALE_N == 15888
