"""course.toml's keys for the service: staff, feedback policies, limits; every bad value
refused with the key that is wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from autograder.records.config import ConfigError, Feedback, load_config

DEADLINE = "2026-10-06T23:59:00+02:00"


def write(tmp_path, text: str):
    (tmp_path / "course.toml").write_text(text)
    return load_config(tmp_path)


def test_policies_staff_and_serve_settings_are_read(tmp_path):
    config = write(tmp_path, f"""
[serve]
port = 9000
max_upload_mb = 2.5
secure_cookies = true
feedback_before = "scores"
daily_limit = 3
[staff]
ines = "instructor"
tara = "ta"
[assignments.hw1_forward]
deadline = {DEADLINE}
feedback_before = "none"
published = true
[assignments.hw2_backprop]
daily_limit = 0
accept_late = false
""")
    assert config.serve.port == 9000 and config.serve.max_upload_mb == 2.5
    assert config.serve.secure_cookies and config.staff == {"ines": "instructor", "tara": "ta"}
    hw1, hw2, other = (config.policy(hw) for hw in ("hw1_forward", "hw2_backprop", "hw3"))
    assert hw1.feedback_before == Feedback.NONE and hw1.published and hw1.daily_limit == 3
    assert hw2.feedback_before == Feedback.SCORES and hw2.daily_limit == 0
    assert not hw2.accept_late and other == config.serve.defaults
    assert config.deadlines["hw1_forward"].tzinfo is not None


def test_the_level_follows_the_deadline_and_the_publish_switch(tmp_path):
    config = write(tmp_path, f"""
[assignments.hw1_forward]
deadline = {DEADLINE}
feedback_before = "scores"
feedback_after = "full"
""")
    policy, deadline = config.policy("hw1_forward"), config.deadlines["hw1_forward"]
    assert policy.feedback(deadline, deadline - timedelta(seconds=1)) == Feedback.SCORES
    assert policy.feedback(deadline, deadline + timedelta(seconds=1)) == Feedback.FULL
    assert policy.feedback(None, datetime.now(UTC)) == Feedback.FULL
    published = type(policy)(Feedback.NONE, Feedback.FULL, published=True)
    assert published.feedback(deadline, deadline - timedelta(days=9)) == Feedback.FULL


@pytest.mark.parametrize("text, words", [
    ("[serve]\nport = 0\n", "serve.port must be positive"),
    ("[serve]\nprot = 80\n", "unknown key(s) [serve] prot"),
    ("[serve]\nsecure_cookies = 1\n", "serve.secure_cookies has the wrong type"),
    ("[serve]\nbase_url = 'example.org'\n", "serve.base_url must start with http"),
    ("[staff]\nines = 'professor'\n", "staff.ines must be one of instructor, ta"),
    ("[assignments.hw1]\nfeedback_before = 'some'\n",
     "assignments.hw1.feedback_before: 'some' is not a feedback level"),
    ("[assignments.hw1]\ndaily_limit = -1\n", "assignments.hw1.daily_limit must be 0"),
    ("[assignments.hw1]\npublished = 'yes'\n", "assignments.hw1.published has the wrong type"),
    ("[assignments.hw1]\ndeadlne = 2026-10-06T23:59:00+02:00\n",
     "unknown key(s) [assignments.hw1] deadlne"),
])
def test_bad_values_are_refused_with_their_key(tmp_path, text, words):
    with pytest.raises(ConfigError) as caught:
        write(tmp_path, text)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_the_bundled_course_toml_is_valid():
    from pathlib import Path

    config = load_config(Path(__file__).resolve().parents[2])
    assert set(config.staff.values()) <= {"instructor", "ta"}
