"""Undo and redo: steps, labels, the dropped redo branch, the limit."""

from __future__ import annotations

import pytest

from igan_app.gui.history import History


def test_a_new_history_has_nothing_to_undo_or_redo():
    history = History("a")
    assert history.current == "a"
    assert not history.can_undo and not history.can_redo
    assert history.undo_label is None and history.redo_label is None
    assert history.limit == 100


def test_undo_and_redo_walk_the_steps():
    history = History("a")
    history.push("b", "color stroke")
    history.push("c", "warp")
    assert history.current == "c"
    assert history.undo_label == "warp" and history.redo_label is None

    assert history.undo() == "b" and history.current == "b"
    assert history.undo_label == "color stroke" and history.redo_label == "warp"
    assert history.undo() == "a"
    assert not history.can_undo and history.can_redo
    assert history.undo_label is None and history.redo_label == "color stroke"

    assert history.redo() == "b"
    assert history.undo_label == "color stroke" and history.redo_label == "warp"
    assert history.redo() == "c"
    assert not history.can_redo and history.undo_label == "warp"


def test_push_drops_the_redo_branch():
    history = History(0)
    for state in (1, 2, 3):
        history.push(state, f"step {state}")
    history.undo()
    history.undo()
    history.push(10, "other")
    assert not history.can_redo and history.redo_label is None
    assert history.undo_label == "other"
    assert history.undo() == 1
    assert history.redo() == 10


def test_errors_say_what_is_missing():
    history = History("a")
    with pytest.raises(IndexError, match="nothing to undo"):
        history.undo()
    with pytest.raises(IndexError, match="nothing to redo"):
        history.redo()
    assert history.current == "a"


def test_the_limit_drops_the_oldest_steps():
    history = History(0, limit=3)
    for state in range(1, 6):
        history.push(state, f"step {state}")
    undone = [history.undo() for _ in range(3)]
    assert undone == [4, 3, 2]
    assert not history.can_undo
    with pytest.raises(IndexError):
        history.undo()
    # Everything undone can be redone, and then undone again within the limit.
    assert [history.redo() for _ in range(3)] == [3, 4, 5]
    assert [history.undo() for _ in range(3)] == [4, 3, 2]


def test_a_zero_limit_keeps_no_steps():
    history = History("a", limit=0)
    history.push("b", "stroke")
    assert history.current == "b" and not history.can_undo


@pytest.mark.parametrize("limit", [-1, 2.5, True, "3"])
def test_a_bad_limit_is_refused(limit):
    with pytest.raises(ValueError, match="limit"):
        History("a", limit=limit)


def test_reset_starts_a_new_document():
    history = History("a")
    history.push("b", "stroke")
    history.push("c", "stroke")
    history.undo()
    history.reset("z")
    assert history.current == "z"
    assert not history.can_undo and not history.can_redo
    assert history.undo_label is None and history.redo_label is None


def test_states_are_kept_not_copied():
    first, second = ["a"], ["b"]
    history = History(first)
    history.push(second, "edit")
    assert history.current is second
    assert history.undo() is first
    assert history.redo() is second


def test_replace_changes_the_current_state_and_keeps_the_steps():
    history = History("opened")
    history.push("second photo", "open")
    history.replace("second photo, projected")
    assert history.current == "second photo, projected" and history.undo_label == "open"
    assert history.undo() == "opened"
    assert history.redo() == "second photo, projected"
