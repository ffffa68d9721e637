"""What a text view needs of the policy to word a plan: its conditions, facts and values in one language.

A plan names its facts by path and keeps its rules' conditions as the trace writes them
(``issue.kind == wrong_item``); the policy holds them as data. ``Wording`` is what a renderer asks
for: language/wording.py answers it from the policy (``policy_wording``); ``PlainWording``, without
one, from the catalogue alone, with each condition as the trace wrote it.
"""

from __future__ import annotations

from typing import Any, Protocol

from .catalogue import Catalogue

__all__ = ["PlainWording", "Wording"]


class Wording(Protocol):
    languages: tuple[str, ...]  # the policy's declared languages: a step text missing in one is shown in the first

    def condition(self, rule: str, text: str) -> str:
        """The condition of rule ``rule`` that the trace writes ``text``, in words."""
        ...

    def fact(self, path: str) -> str:
        """A fact by its name in words."""
        ...

    def value(self, path: str, value: Any) -> str:
        """A value of the fact ``path`` in words."""
        ...


class PlainWording:
    """Facts and values by the catalogue alone; conditions as the trace wrote them."""

    languages: tuple[str, ...] = ("zh", "en")  # a policy's languages unless it declares others

    def __init__(self, words: Catalogue):
        self.words = words

    def condition(self, rule: str, text: str) -> str:
        return text

    def fact(self, path: str) -> str:
        return self.words.fact(path)

    def value(self, path: str, value: Any) -> str:
        return self.words.value(value)
