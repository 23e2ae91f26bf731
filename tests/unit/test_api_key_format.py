"""The API key format: a checksum catches mistakes before storage is read; old keys still pass."""

from __future__ import annotations

import re

from dreamapi import api_key_format
from dreamapi.api_key_format import BASE62, PREFIX


def test_new_keys_are_well_formed_unique_and_scannable() -> None:
    keys = {api_key_format.new_api_key() for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert re.fullmatch(r"dream_live_[0-9A-Za-z]{36}", key)
        assert api_key_format.is_well_formed(key) and api_key_format.looks_like_api_key(key)
        assert api_key_format.shown_prefix(key) == key[:15]


def test_any_single_character_changed_fails_the_checksum() -> None:
    key = api_key_format.new_api_key()
    for position in range(len(PREFIX), len(key)):
        for replacement in BASE62[:8]:
            if replacement != key[position]:
                typo = key[:position] + replacement + key[position + 1 :]
                assert not api_key_format.is_well_formed(typo), typo


def test_shapes_that_are_not_keys() -> None:
    key = api_key_format.new_api_key()
    for candidate in (key[:-1], key + "0", key.replace(PREFIX, "dream_test_"), PREFIX, "", "pk_live_short"):
        assert not api_key_format.is_well_formed(candidate), candidate


def test_only_the_one_format_is_a_key() -> None:
    other_format = "pk_live_" + "aZ09_-" * 7 + "x"
    assert not api_key_format.is_well_formed(other_format)
    assert not api_key_format.looks_like_api_key(other_format)
    assert not api_key_format.looks_like_api_key("eyJhbGciOi.jwt.here")
    key = api_key_format.new_api_key()
    assert api_key_format.shown_prefix(key) == key[: len(PREFIX) + 4]
