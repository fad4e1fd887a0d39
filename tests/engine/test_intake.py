"""Who submitted what: LMS download names, rosters, attempts, clashes, course.toml."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from autograder.records.config import ConfigError, LatePolicy, load_config
from autograder.records.intake import IntakeError, take_in
from autograder.records.roster import Roster, RosterError

HW = "hw2_backprop"
ROSTER = """id,name,email,sis_user_id,sis_login_id,section
48213,Carl Gauss,gauss@uni.example,S-1777,cgauss,A
50111,Emmy Noether,noether@uni.example,S-1882,enoether,B
777,Ada Lovelace,ada@uni.example,S-1815,alovelace,A
"""


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    return Roster.load(path)


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    return path


def test_canvas_names_give_the_user_id_the_late_flag_and_the_attempt_order(tmp_path, roster):
    touch(tmp_path / "gausscarl_LATE_48213_1029390_hw2_backprop-1.ipynb")
    touch(tmp_path / "gausscarl_48213_1029384_hw2_backprop.ipynb")
    touch(tmp_path / "noetheremmy_50111_1029385_hw2_backprop.ipynb")
    intake = take_in([tmp_path], HW, roster)
    assert [(j.student, j.path.name, j.late, j.source) for j in intake.jobs] == [
        ("48213", "gausscarl_48213_1029384_hw2_backprop.ipynb", False, "canvas"),
        ("48213", "gausscarl_LATE_48213_1029390_hw2_backprop-1.ipynb", True, "canvas"),
        ("50111", "noetheremmy_50111_1029385_hw2_backprop.ipynb", False, "canvas")]
    assert not intake.unmatched and not intake.clashes


def test_moodle_files_and_folders_match_on_the_participant_id(tmp_path, roster):
    touch(tmp_path / "Carl Gauss_48213_assignsubmission_file_hw2.ipynb")
    touch(tmp_path / "Emmy Noether_50111_assignsubmission_file_" / "mine.ipynb")
    intake = take_in([tmp_path], HW, roster)
    assert sorted((j.student, j.source) for j in intake.jobs) == [("48213", "moodle"),
                                                                  ("50111", "moodle")]


def test_a_gradescope_export_is_read_through_its_metadata(tmp_path, roster):
    export = tmp_path / "export"
    touch(export / "submission_11" / "anything.ipynb")
    touch(export / "submission_12" / "hw.ipynb")
    (export / "submission_metadata.yml").write_text(
        "submission_11:\n  :submitters:\n  - :name: Carl Gauss\n    :sid: S-1777\n"
        "    :email: gauss@uni.example\n  :created_at: 2026-10-01 23:12:45.123456000 -0700\n"
        "submission_12:\n  :submitters:\n  - :name: Someone Else\n    :sid: X-1\n"
        "    :email: someone@else.example\n  :created_at: 2026-10-01 20:00:00.000000000 -0700\n")
    intake = take_in([export], HW, roster)
    [job] = intake.jobs
    assert job.student == "48213" and job.source == "gradescope"
    assert job.submitted_at == datetime(2026, 10, 2, 6, 12, 45, 123456, tzinfo=UTC)
    assert [f.name for f in intake.unmatched] == ["Someone Else"]


def test_plain_files_match_any_exact_roster_identifier_and_unknown_ones_are_listed(
        tmp_path, roster):
    touch(tmp_path / "alovelace.ipynb")
    touch(tmp_path / "777" / f"{HW}.ipynb".replace("777", "x"))  # x.ipynb in a folder named 777
    touch(tmp_path / "mallory.ipynb")
    intake = take_in([tmp_path / "alovelace.ipynb", tmp_path / "mallory.ipynb"], HW, roster)
    assert [j.student for j in intake.jobs] == ["777"]
    assert [f.path.name for f in intake.unmatched] == ["mallory.ipynb"]


def test_two_plain_files_for_one_student_are_a_clash_never_a_coin_toss(tmp_path):
    touch(tmp_path / "a" / "alice.ipynb")
    touch(tmp_path / "b" / "alice.ipynb")
    intake = take_in([tmp_path], HW, None)
    assert list(intake.clashes) == ["alice"] and intake.jobs == []


def test_a_missing_path_is_refused_before_anything(tmp_path):
    with pytest.raises(IntakeError, match="no such file or folder"):
        take_in([tmp_path / "nope.ipynb"], HW, None)


def test_the_folder_names_the_student_when_the_file_is_named_after_the_assignment(tmp_path):
    touch(tmp_path / "bob" / f"{HW}.ipynb")
    assert [j.student for j in take_in([tmp_path], HW, None).jobs] == ["bob"]


@pytest.mark.parametrize("text, message", [
    ("name,email\nA,a@x\n", r"missing column\(s\) id"),
    ("id,name\n1,A\n1,B\n", "appears twice"),
    ("id,name\n,A\n", "empty id"),
])
def test_a_bad_roster_is_one_line_naming_the_problem(tmp_path, text, message):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(RosterError, match=message):
        Roster.load(path)


def test_course_toml_sets_defaults_deadlines_and_the_late_policy(tmp_path):
    (tmp_path / "course.toml").write_text(
        "[grading]\nseed = 7\nroster = 'people.csv'\nisolation = 'require-full'\n"
        "[late]\ngrace_minutes = 15\npenalty_per_day = 10\nmax_penalty = 30\n"
        "[assignments.hw2_backprop]\ndeadline = 2026-10-06T23:59:00+02:00\n")
    config = load_config(tmp_path)
    assert config.seed == 7 and config.roster == tmp_path / "people.csv"
    assert config.isolation == "require-full"
    deadline = config.deadlines[HW]
    policy = config.late
    assert policy.days_late(deadline + timedelta(minutes=10), deadline, False) == 0
    assert policy.days_late(deadline + timedelta(minutes=16), deadline, False) == 1
    assert policy.days_late(deadline + timedelta(days=2, hours=1), deadline, False) == 3
    assert policy.penalty(1, 20) == 2.0 and policy.penalty(5, 20) == 6.0  # capped at 30 %
    assert policy.days_late(None, deadline, True) == 1  # "late" with no time: one day


@pytest.mark.parametrize("text, message", [
    ("[grading]\nsede = 7\n", "unknown key"),
    ("[late]\npenalty_per_day = 'ten'\n", "wrong type"),
    ("[assignments.hw1]\ndeadline = 2026-10-06T23:59:00\n", "UTC offset"),
    ("[grading\n", "course.toml"),
    ("[grading]\nisolation = 'off'\n", "isolation must be one of require-full, reduced-ok, none"),
])
def test_a_bad_course_toml_is_refused_with_the_reason(tmp_path, text, message):
    (tmp_path / "course.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path)


def test_no_late_policy_means_no_penalty():
    assert LatePolicy().penalty(LatePolicy().days_late(None, None, True), 10) == 0
