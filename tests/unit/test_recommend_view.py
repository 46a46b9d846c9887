"""Reason sentences of the Recommend tab from reason codes, neighbours, similarities and completions."""
from __future__ import annotations

import pandas as pd

from dashboard.recommend.view import in_method_order, reason_text

SIMS = {"S1": 0.5, "S2": 0.25, "S3": 0.125, "S4": 0.1}


def row(reason, because=(), support=0):
    return {"material_id": "M9", "reason": reason, "because_of": because, "support": support}


def test_similar_students_counts_those_who_completed_it():
    text = reason_text(row("similar_students", ("S1", "S2", "S3", "S4")), "en", 50, SIMS, {"M9": {"S2", "S4"}})
    assert text == ("Students with a similar history completed this: 2 of the 50 most similar "
                    "(S2 0.25, S4 0.10)")


def test_similar_students_who_only_used_it_and_long_name_lists():
    text = reason_text(row("similar_students", ("S1", "S2", "S3", "S4")), "en", 20, SIMS, {})
    assert text == ("Students with a similar history used this: 4 of the 20 most similar "
                    "(S1 0.50, S2 0.25, S3 0.12, +1)")


def test_other_reasons_and_japanese():
    assert reason_text(row("popular", support=37), "en", 50, {}, {}) == "Popular: used by 37 students"
    assert reason_text(row("content_match", ("M1", "M2")), "en", 50, {}, {}) == \
        "Same subject, level or format as M1, M2 in the history"
    assert reason_text(row("content_match"), "en", 50, {}, {}) == \
        "Matches the subjects, levels and formats of the history"
    assert reason_text(row("new_material"), "ja", 50, {}, {}) == "学習履歴に合う新しい教材です"
    assert "最も近い 50 人のうち 1 人" in reason_text(row("similar_students", ("S1",)), "ja", 50, SIMS, {"M9": {"S1"}})


def test_methods_are_listed_baseline_first():
    frame = pd.DataFrame({"method": ["user_knn", "content", "popularity", "user_knn"], "k": [10, 10, 10, 1]})
    ordered = in_method_order(frame)
    assert list(zip(ordered["method"], ordered["k"])) == [("popularity", 10), ("user_knn", 1), ("user_knn", 10),
                                                          ("content", 10)]


def test_student_ids_carry_their_csv_line():
    from dashboard.recommend.view import student_label, student_options

    assert student_label("S-7F3A", 45, "en") == "S-7F3A (CSV line 45)"
    assert student_label("S-7F3A", 45, "ja") == "S-7F3A（CSV 45行目）"
    assert student_label("S0000042", None, "ja") == "S0000042"        # generated students have no line
    assert student_options([("A1", 2), ("D9", None)], "en") == [
        {"label": "A1 (CSV line 2)", "value": "A1"}, {"label": "D9", "value": "D9"}]


def test_neighbours_download_has_the_csv_line_beside_the_id():
    from dashboard.recommend.view import neighbours_table

    frame = pd.DataFrame({"student_id": ["A1", "B2"], "similarity": [0.91234, 0.5], "n_common": [3, 1]})
    table = neighbours_table(frame, "ja", {"A1": 12}).children[1].children[-1]
    assert [c["id"] for c in table.columns] == ["student_id", "line_no", "similarity", "n_common"]
    assert table.columns[1]["name"] == "CSVの行"
    assert [r["line_no"] for r in table.data] == [12, None]
    without = neighbours_table(frame, "en").children[1].children[-1]
    assert "line_no" not in [c["id"] for c in without.columns]
